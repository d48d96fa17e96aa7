# Rule tests for python-security.yaml (semgrep --test format).
import hashlib
import hmac
import os
import pickle
import random
import secrets
import ssl
import subprocess

import requests
import yaml


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


def fetch(url, session, ctx):
    # ruleid: tls-verify-disabled
    requests.get(url, verify=False)
    # ruleid: tls-verify-disabled
    session.post(url, json={}, verify=False)
    # ruleid: tls-verify-disabled
    context = ssl._create_unverified_context()
    # ruleid: tls-verify-disabled
    ctx.verify_mode = ssl.CERT_NONE
    # ok: tls-verify-disabled
    requests.get(url, timeout=10)
    # ok: tls-verify-disabled
    requests.get(url, verify="/etc/ssl/certs/ca.pem")
    return context


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
    return checksum, fp, etag, good, sig, sig2, sig3


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
