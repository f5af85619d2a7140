"""The portal as a whole (segur_portal): login and menu, the home page, security of the accounts
and of the responses, isolation between suppliers, hardening of the lists and their exports,
operations (make run, production settings, health, logs), the hostile corpus through the screens."""
