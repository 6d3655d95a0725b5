"""Private landlords: telling them which guarantees they can call on, by SMS or e-mail, and
hearing their replies (`contact`); e-mail through SMTP (`mail`).
"""
