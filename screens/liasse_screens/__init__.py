"""The reference host's screens (FW-07): liasse's features as an accounting application's menus show them.

A consumer of everything: it imports liasse and the reference host, and
nothing imports it (``liasse serve`` finds it by name). Each provider
capability brings one blueprint and the menu entries it adds to the account
page (:mod:`.menus`); DocSecure's exchange screens are :mod:`.exchange`.
"""
