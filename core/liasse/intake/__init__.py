"""The intake pipeline every received file goes through: mark, read, check, prove."""
