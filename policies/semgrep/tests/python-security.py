# Rule tests for python-security.yaml (semgrep --test format).
import hashlib
import hmac
import os
import pickle
import random
import secrets
import ssl
import subprocess

import aiohttp
import httpx
import requests
import sqlalchemy
import urllib3
import yaml
from sqlalchemy import text


def shell(cmd, name):
    # ruleid: shell-injection
    subprocess.run(cmd, shell=True)
    # ruleid: shell-injection
    subprocess.Popen("convert " + name, shell=True)
    # ruleid: shell-injection
    os.system("rm -rf " + name)
    # ok: shell-injection
    subprocess.run(["convert", name], check=True)
    # ok: shell-injection
    os.system("true")


def load(data, stream):
    # ruleid: unsafe-yaml-load
    yaml.load(data)
    # ruleid: unsafe-yaml-load
    yaml.load(data, Loader=yaml.Loader)
    # ruleid: unsafe-yaml-load
    yaml.unsafe_load(stream)
    # ok: unsafe-yaml-load
    yaml.safe_load(data)
    # ok: unsafe-yaml-load
    yaml.load(data, Loader=yaml.SafeLoader)
    # ruleid: pickle-load
    obj = pickle.loads(data)
    # ruleid: pickle-load
    obj = pickle.load(stream)
    # ok: pickle-load
    out = pickle.dumps(obj)
    return out


def evaluate(expr):
    # ruleid: eval-exec
    eval(expr)
    # ruleid: eval-exec
    exec("x = " + expr)
    # ok: eval-exec
    eval("1 + 1")


def fetch(url, session, ctx, raw):
    # ruleid: tls-verify-disabled
    requests.get(url, verify=False)
    # ruleid: tls-verify-disabled
    session.post(url, json={}, verify=False)
    # ruleid: tls-verify-disabled
    context = ssl._create_unverified_context()
    # ruleid: tls-verify-disabled
    ctx.verify_mode = ssl.CERT_NONE
    # ruleid: tls-verify-disabled
    client = httpx.Client(verify=False)
    # ruleid: tls-verify-disabled
    pool = urllib3.PoolManager(cert_reqs="CERT_NONE")
    # ruleid: tls-verify-disabled
    sock = ctx.wrap_socket(raw, cert_reqs=ssl.CERT_NONE)
    # ruleid: tls-verify-disabled
    connector = aiohttp.TCPConnector(ssl=False)
    # ok: tls-verify-disabled
    strict = httpx.Client(verify="/etc/ssl/certs/ca.pem")
    # ok: tls-verify-disabled
    secure = ssl.create_default_context()
    # ok: tls-verify-disabled
    requests.get(url, timeout=10)
    # ok: tls-verify-disabled
    requests.get(url, verify="/etc/ssl/certs/ca.pem")
    return context, client, pool, sock, connector, strict, secure


def query(cursor, user_id, name):
    # ruleid: sql-string-building
    cursor.execute("SELECT * FROM users WHERE id = %s" % user_id)
    # ruleid: sql-string-building
    cursor.execute(f"SELECT * FROM users WHERE name = '{name}'")
    # ruleid: sql-string-building
    cursor.execute("SELECT * FROM users WHERE name = '{}'".format(name))
    # ruleid: sql-string-building
    cursor.execute("SELECT * FROM users WHERE name = '" + name + "'")
    sql = "DELETE FROM sessions WHERE user = '%s'" % name
    # ruleid: sql-string-building
    cursor.execute(sql)
    # ok: sql-string-building
    cursor.execute("SELECT * FROM users WHERE id = %s", (user_id,))
    # ok: sql-string-building
    print("value: %s" % name)
    # ok: sql-string-building
    cursor.execute("SELECT * FROM users WHERE id = %d" % int(user_id))
    # ok: sql-string-building
    cursor.execute(name)


TABLE = "payments"
COLUMNS = "id, amount, status"


def sqlalchemy_queries(session, payment_id, status, ids):
    # ruleid: sql-string-building
    session.execute(text(f"SELECT id FROM payments WHERE status = '{status}'"))
    # ruleid: sql-string-building
    session.execute(sqlalchemy.text("SELECT id FROM payments WHERE id = " + payment_id))
    # ok: sql-string-building
    session.execute(text("SELECT id FROM payments WHERE id = :id"), {"id": payment_id})
    # ok: sql-string-building
    session.execute(text(f"SELECT {COLUMNS} FROM {TABLE} WHERE id = :id"), {"id": payment_id})
    # ok: sql-string-building
    query = text("SELECT id FROM payments WHERE id = :id").bindparams(id=payment_id)
    # ok: sql-string-building
    session.execute(query)
    binds = ", ".join(f":id{i}" for i in range(len(ids)))
    # ok: sql-string-building
    stmt = text("SELECT id FROM payments WHERE id IN (%s)" % binds)
    # ok: sql-string-building
    return session.execute(stmt, {f"id{i}": v for i, v in enumerate(ids)})


def digests(data, key):
    # ruleid: weak-hash
    checksum = hashlib.md5(data).hexdigest()
    # ruleid: weak-hash
    fp = hashlib.sha1(data).hexdigest()
    # ok: weak-hash
    etag = hashlib.md5(data, usedforsecurity=False).hexdigest()
    # ok: weak-hash
    good = hashlib.sha256(data).hexdigest()
    # ruleid: weak-hmac
    sig = hmac.new(key, data, hashlib.sha1).hexdigest()
    # ruleid: weak-hmac
    sig2 = hmac.new(key, data, digestmod="md5").hexdigest()
    # ok: weak-hmac
    sig3 = hmac.new(key, data, hashlib.sha256).hexdigest()
    # ruleid: weak-hash, weak-hmac
    signature = hashlib.md5(key + data).hexdigest()
    # ok: weak-hmac
    cache_key = hashlib.md5(data, usedforsecurity=False).hexdigest()
    return checksum, fp, etag, good, sig, sig2, sig3, signature, cache_key


def sign_payload(secret, payload):
    # ruleid: weak-hash, weak-hmac
    return hashlib.sha1(secret + payload).hexdigest()


def verify_callback(secret, payload, received):
    # ok: weak-hmac
    expected = hmac.new(secret, payload, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, received)


def make_reset_token():
    # ruleid: insecure-random-token
    return "".join(random.choice("abcdef0123456789") for _ in range(32))


def issue(user):
    # ruleid: insecure-random-token
    otp_code = random.randint(100000, 999999)
    # ok: insecure-random-token
    api_key = secrets.token_urlsafe(32)
    # ok: insecure-random-token
    delay = random.uniform(0.1, 0.5)
    return otp_code, api_key, delay
