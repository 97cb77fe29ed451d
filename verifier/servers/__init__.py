"""Real lock servers (Redis, ZooKeeper, etcd, PostgreSQL, MariaDB, memcached) run as child processes."""
