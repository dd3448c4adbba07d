"""The pykka actors of predmm, one per file, and the messages they exchange."""
