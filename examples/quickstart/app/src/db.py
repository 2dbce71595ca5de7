"""Connections to the database and the cache, from the environment compose.yaml sets."""

import os

import psycopg2
import redis


def database():
    return psycopg2.connect(os.environ["DATABASE_URL"], connect_timeout=5)


def cache():
    return redis.Redis.from_url(os.environ["REDIS_URL"], socket_timeout=5, decode_responses=True)
