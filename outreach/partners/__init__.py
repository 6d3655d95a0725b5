"""The team's partners: the directory the team edits (`directory`), referrals sent to a partner
with the household's consent, by e-mail with a one-time link and a code (`referrals`, what is
shared in `sharing`), what partners tell the team about a case (`received`), and the daily jobs
(`jobs`: a task for the team when a referral is left without an answer)."""
