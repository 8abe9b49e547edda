"""Understanding a question: words, intents, codes, modifiers, places and procedures named in it."""
