"""The mobile team: members and their sectors (`users`), passwords and sign-in sessions
(`passwords`, `login_sessions`), the inbox of what needs a person (`inbox`) and the tasks a
sequence opens (`tasks`), notes and démarches (`followup`), messages a worker writes to a
household (`messages`) and one timeline of everything that happened on a case (`timeline`).
"""
