"""The team's partners: the directory (`directory`), and later the orientations sent to them and
what they answer."""
