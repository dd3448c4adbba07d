"""Venue clients (kalshi/, polymarket/, paper/), the venue client protocol and the
bridge between pykka actors and the trio loop. Imports domain, never actors."""
