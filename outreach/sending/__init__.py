"""Sending a message: the channel table every other module reads (`channels`), the channel
interface every channel in bot/ implements (`channel`), the outbox of due actions (`outbox`),
sending at once (`send_now`), the sending window (`quiet_hours`), per-channel rate limits
(`rate_limit`), provider delivery statuses (`status`) and the engine's settings (`config`).
"""
