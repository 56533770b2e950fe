"""Services over the store and the engine: the Workspace façade, the wizard, jobs, snapshots,
compare/resync and the events list. The faces (CLI, notebooks) call :class:`Workspace` only."""

from certlib.services.events import EventFilters
from certlib.services.jobs import Job, JobQueue
from certlib.services.snapshots import Snapshot, Snapshots
from certlib.services.workspace import Workspace

__all__ = ["EventFilters", "Job", "JobQueue", "Snapshot", "Snapshots", "Workspace"]
