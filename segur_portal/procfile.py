"""`make run`'s process runner: honcho (Procfile), with a longer grace period before SIGKILL,
and a stop asked for by Ctrl-C or SIGTERM reported as a success (make prints no error for it).

honcho gives the processes 5 seconds after the first one stops; the development worker on the
embedded broker needs about 5 seconds for its warm shutdown (its blocking loop polls the broker
folder for up to 2 seconds, twice), so it would sometimes be killed in the middle of a task.
"""

import sys

import honcho.manager
from honcho.command import main

honcho.manager.KILL_WAIT = 8

ARRET_DEMANDE = {130, 143}  # honcho's exit codes after SIGINT / SIGTERM

if __name__ == "__main__":
    try:
        main()
    except SystemExit as fin:
        sys.exit(0 if fin.code in ARRET_DEMANDE else fin.code)
