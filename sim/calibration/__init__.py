"""Calibration: a scenario's laws and demand estimated from a contact log (``mode=calibrate``).

Pure statistics (numpy, scipy) on a :class:`~sim.core.contact_log.ContactLog`: handle and
wrap-up times (:mod:`~sim.calibration.durations`), patience censored by answers
(:mod:`~sim.calibration.patience`), arrivals, inferred staffing and the log's own service
level (:mod:`~sim.calibration.demand`), all of it together (:mod:`~sim.calibration.estimate`);
and simulated days turned into such a log (:mod:`~sim.calibration.simulated`), to check that
calibration recovers the laws it was simulated with.
"""
