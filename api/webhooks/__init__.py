"""What providers call: the Twilio and Telegram webhooks, Telegram long polling, the spool on
disk for requests that arrive while the database is down, the short write transaction of a
webhook (`writes`) and attaching stored replies to their cases after the answer
(`inbound_processing`).
"""
