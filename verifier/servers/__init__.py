"""Real lock servers (Redis, ZooKeeper, etcd, PostgreSQL, MariaDB, memcached) run as child processes.

Each ``start_*`` function picks free loopback ports, starts the server(s) with their own
data directory and log, waits (bounded) until they serve, and returns an object that is
also a context manager (``close()`` stops everything and frees the ports):

    from taala.servers import start_redis
    with start_redis(5) as cluster:
        cluster.addresses            # ["127.0.0.1:23117", ...]
        cluster[2].pause(); cluster[2].resume(); cluster[2].restart(wipe=True)

No server outlives the Python process that started it, even after SIGKILL (see
`process.py` and `watchdog.py`). Errors are `ServerError`s naming the Debian package to
install and quoting the server's log.
"""

from taala.servers.base import (
    Cluster,
    MissingBinaryError,
    Server,
    ServerError,
    StartupError,
)
from taala.servers.etcd import EtcdCluster, EtcdServer, start_etcd
from taala.servers.mariadb import MariaDBServer, start_mariadb
from taala.servers.memcached import MemcachedServer, start_memcached
from taala.servers.postgres import PostgresServer, start_postgres
from taala.servers.redis import RedisServer, start_redis
from taala.servers.zookeeper import ZooKeeperEnsemble, ZooKeeperServer, start_zookeeper

# backend name -> (start function, takes a node count)
BACKENDS = {
    "redis": (start_redis, True),
    "zookeeper": (start_zookeeper, True),
    "etcd": (start_etcd, True),
    "postgres": (start_postgres, False),
    "mariadb": (start_mariadb, False),
    "memcached": (start_memcached, False),
}

__all__ = [
    "BACKENDS", "Cluster", "EtcdCluster", "EtcdServer", "MariaDBServer", "MemcachedServer",
    "MissingBinaryError", "PostgresServer", "RedisServer", "Server", "ServerError",
    "StartupError", "ZooKeeperEnsemble", "ZooKeeperServer", "start_etcd", "start_mariadb",
    "start_memcached", "start_postgres", "start_redis", "start_zookeeper",
]
