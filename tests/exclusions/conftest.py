from tests.delivery import make_worker, worker

__all__ = ["make_worker", "worker"]
