# Fixture for tests/test_sast_bandit_parity.py: bandit and the semgrep pack of its checks must
# report the same (test, line, severity, confidence) here. Lines marked `superset: Bxxx` are
# where the pack reports a true finding bandit does not (see the test). Not imported: some
# names are undefined on purpose.
import pickle
import xml.etree.ElementTree as ET
import os, subprocess
from xml.etree import cElementTree
from xml import sax
from Crypto.Cipher import AES, DES
from . import pickle as p2
import pickletools
import subprocess32
x = __import__("pickle")
import importlib
y = importlib.import_module("subprocess")
y2 = importlib.import_module(name="ftplib")
y3 = importlib.import_module(modname)
assert x
assert x, "message"
assert (
    x
)
import hashlib as hl
from hashlib import md5 as h
import subprocess as sp
from subprocess import (
    Popen,
    call,
)
from .pickle import loads
from ..xml.sax import handler
import telnetlib, ftplib  # superset: B402
from wsgiref.handlers import CGIHandler
from twisted.web import twcgi
import xmlrpc.client
from xmlrpc import server
import pyghmi.ipmi
import Crypto
from Crypto import Random
import xml.dom.minidom, xml.dom.pulldom  # superset: B409
from xml.dom import expatbuilder


def loaders(data, path):
    pickle.loads(data)
    p2.load(open(path))
    loads(data)
    import dill as d
    d.loads(data)
    import shelve
    shelve.open(path)
    import marshal
    marshal.loads(data)
    import pandas as pd
    pd.read_pickle(path)
    ET.fromstring(data)
    ET.parse(path)
    cElementTree.parse(path)
    sax.parseString(data, None)
    xml.dom.minidom.parseString(data)
    expatbuilder.parse(path)
    xml.sax.expatreader.create_parser()
    from xml.dom import pulldom
    pulldom.parseString(data)
    import telnetlib as tn
    tn.Telnet()
    eval(data)
    exec(data)
    exec("x = 1")
    eval_it = eval
    tempfile.mktemp()
    import tempfile as tf
    tf.mktemp()
    import random
    random.random()
    random.choice([1, 2])
    import random as rnd
    rnd.randint(1, 2)
    secrets_choice = random.SystemRandom().choice([1])
    urllib.request.urlopen(path)
    from urllib.request import urlopen as uo
    uo(path)
    telnetlib.Telnet("host")
    ftplib.FTP("host")
    import ssl
    ssl._create_unverified_context()
    from Crypto.Hash import MD5
    MD5.new()
    from cryptography.hazmat.primitives import hashes
    hashes.MD5()
    hashes.SHA256()
    from cryptography.hazmat.primitives.ciphers import algorithms, modes
    algorithms.ARC4(b"k")
    modes.ECB()
    modes.CBC(b"iv")
    from django.utils.safestring import mark_safe
    mark_safe(data)
    self.pickle.loads(data)
    json.loads(data)


def handlers():
    try:
        a()
    except:
        pass
    try:
        a()
    except Exception:
        pass
    try:
        a()
    except Exception as err:
        pass
    try:
        a()
    except (Exception):
        pass
    try:
        a()
    except ValueError:
        pass
    try:
        a()
    except (ValueError, TypeError):
        pass
    try:
        a()
    except Exception:
        log()
        pass
    try:
        a()
    except Exception:
        pass  # nothing to do
    try:
        a()
    except Exception: pass
    try:
        a()
    except ValueError:
        log()
    except Exception:
        pass
    finally:
        b()
    try:
        a()
    except Exception:
        # a comment
        pass
    else:
        c()
    for i in range(3):
        try:
            a()
        except:
            continue
        try:
            a()
        except Exception as e:
            continue
        try:
            a()
        except KeyError:
            continue
        try:
            a()
        except Exception:
            continue
            a()
    try:
        a()
    except builtins.Exception:
        pass


HOST = "0.0.0.0"
BIND = ("0.0.0.0", 80)
NOT_BIND = "0.0.0.0:80"
F = f"0.0.0.0"
B = b"0.0.0.0"
DOC = """0.0.0.0"""


def connect(user, password="hunter2", token=None, db_pwd="x", secret_key="s", my_token_x="t"):
    login(user, password="hunter2")
    login(user, password=password)
    login(user, api_token="abc", pass_phrase="x")
    login(user, passwd="abc", timeout="3")
    Client(
        user,
        secret="abc",
    )
    login(user, password=None)
    login(user, password=1)


def no_default(password):
    pass


def other(user, passwd_hint=3, secrete="x"):
    pass


async def async_one(password="x"):
    pass


class K:
    def method(self, token="t"):
        pass

    @decorated
    def deco(self, pwd="t"):
        pass


def kwonly(*, password="x"):
    pass


def requests_calls(url):
    import requests
    import httpx
    requests.get(url, verify=False)
    requests.post(url, verify=True)
    requests.get(
        url,
        verify=False,
    )
    requests.request("GET", url, verify=False)
    requests.api.get(url, verify=False)
    httpx.get(url, verify=False)
    httpx.Client(verify=False)
    httpx.AsyncClient(verify=False)
    httpx.stream("GET", url, verify=False)
    session.get(url, verify=False)
    requests.get(url, verify="False")
    requests.get(url, verify=flag)


def strings(user):
    login(user, client_secret="client_secret$development$integration")
    login(user, password=f"x{user}")
    login(user, password=b"raw")
    login(user, password=f"plain")


def fdefault(password=f"x", token=b"t"):
    pass


def dollar_default(password="a$b"):
    pass


def not_literals(env, password="a" "b"):
    login(client_secret="x${}y".format(env))
    login(password="a" + env)
    login(password="a" "b")
    login(password=("a"))

x = 1; import pickle
import os, \
    subprocess
from xml.etree import (
    # the parser
    ElementTree,
)
from xml.etree import ElementInclude
from os import path, pickle_helper
"""
import pickle  # superset: B403
"""
from . import (os, pickle)
from .. import xml


def requests_to_suppress(data):
    pickle.loads(data)  # nosec B301
    # nosec
    marshal.loads(data)
    try:
        a()
    except Exception:
        pass  # nosec B110

    b()  # nosec: the statement after the handler
    try:
        a()
    except:  # nosec
        pass
    assert (  # nosec
        data
    )
    assert data, (
        "message"  # nosec
    )


def annotated(user: str, password: str = "x", *args, token: str = "kw-only") -> None:
    login(user, Password="X", api_TOKEN="y")
    bind(host="0.0.0.0", port=1)
    bind(host='0.0.0.0')
