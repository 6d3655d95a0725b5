"""Settings that pass the production rules, for tests that run in production mode."""

# A made-up test value with the entropy the rules ask for; never used outside tests.
STRONG_SECRET = "t3st-0nly_Qm9vZ2xlIGl0IHlvdXJzZWxm-xK2pL8vR4wZ"
PUBLIC_HTTPS = "https://equipe.example.org"
PRODUCTION = {
    "ALLERVERS_ENV": "production",
    "ALLERVERS_SECRET_KEY": STRONG_SECRET,
    "ALLERVERS_PUBLIC_URL": PUBLIC_HTTPS,
    "ALLERVERS_ORGANISATION_NAME": "Association Fictive de Test",
    "ALLERVERS_TEAM_PHONE": "01 99 00 98 76",
}
