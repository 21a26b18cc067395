from tests.delivery import mail_settings, mail_worker, make_worker, smtp, worker

__all__ = ["mail_settings", "mail_worker", "make_worker", "smtp", "worker"]
