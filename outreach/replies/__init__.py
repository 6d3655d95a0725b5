"""What a household writes to us: inbound messages stored and attached to a case (`inbound`),
the intents read from a reply and their word lists (`intents`, `lexicon`), opt-out and opt-in
(`optout`) and the household's language (`languages`).
"""
