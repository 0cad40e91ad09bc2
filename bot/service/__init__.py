"""The webhook service: the HTTP edge (`server`), the application that wires it (`app`),
the journal and queues deliveries wait in (`intake`, `queue`, `redis_queue`), the index
store (`issue_index`), the extraction workers (`extraction`), metrics and logs.
"""
