"""The controller process: kopf watches feed caches and a work queue; workers reconcile."""
