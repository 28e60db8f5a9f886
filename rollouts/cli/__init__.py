"""`kubectl rollouts`: the kubectl plugin (get, list, promote, abort, retry, pause, ...).

Pure parts (intents: the patches; readmodel: JSON → RolloutView; views: RolloutView → text)
are kept apart from the I/O (client) and the argparse dispatcher (main, commands).
"""
