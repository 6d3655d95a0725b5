"""Home visits: the workers' free slots (`slots`), taking, changing and cancelling a visit
(`bookings`), what happened at a visit (`visits`), the workers' calendar feeds
(`calendar_feed`), the 15-day check-in (`checkin`), the booking rules (`config`) and the texts
the household receives about its visit (`texts`).
"""
