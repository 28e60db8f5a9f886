"""`kubectl rollouts`: the kubectl plugin (get, list, promote, abort, retry, pause, ...).

Pure parts (intents: the patches; readmodel: JSON → RolloutView; views: RolloutView → text)
are kept apart from the I/O (client, on a small stdlib HTTP client of its own: kubeconfig,
credentials, exec_plugin, transport, watches) and the argparse dispatcher (main, commands).
The plugin must start fast (issue #5): no kubernetes client, YAML only when read.
"""
