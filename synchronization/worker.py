"""The RQ worker class `manage.py rqworker` uses (settings.RQ["WORKER_CLASS"]).

It makes sure the job queue scheduler tick exists whenever a worker starts, so recurring
synchronization needs no extra process or command.
"""

from rq import Worker as RqWorker


class Worker(RqWorker):
    def work(self, *args, **kwargs):
        from synchronization import jobs

        jobs.ensure_tick()
        return super().work(*args, **kwargs)
