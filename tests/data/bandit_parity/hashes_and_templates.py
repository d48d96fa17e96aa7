# Fixture for tests/test_sast_bandit_parity.py (B324 hashlib/crypt, B612, B702). Not imported.
import hashlib
import hashlib as hl
from hashlib import md5 as h, sha256
import crypt
import logging.config
from logging import config as lc
from mako.template import Template
import mako.template as mt


def hashes(data, algo, flag):
    hashlib.md5(data)
    hl.sha1()
    h(b"x")
    sha256(data)
    hashlib.md5(data, usedforsecurity=False)
    hashlib.md5(data, usedforsecurity=True)
    hashlib.md5(data, usedforsecurity=flag)
    hashlib.new("md5")
    hashlib.new("MD5", data)
    hashlib.new("sha256")
    hashlib.new(name="sha1")
    hashlib.new("md5", usedforsecurity=False)
    hashlib.new(algo)
    hashlib.new(md5)
    hashlib.new(algos.SHA1)
    hashlib.sha(data)
    hashlib.md4()
    hashlib.sha3_256()
    other.md5(data)
    crypt.crypt("w", crypt.METHOD_CRYPT)
    crypt.crypt("w", crypt.METHOD_SHA512)
    crypt.mksalt(crypt.METHOD_MD5)
    crypt.mksalt(method=crypt.METHOD_BLOWFISH)
    crypt.crypt("w", salt="METHOD_MD5")
    crypt.crypt("w")


def listen():
    logging.config.listen(9999)
    logging.config.listen(9999, verify=check)
    lc.listen(1)


def render(text):
    Template(text)
    mt.Template(text)
    mako.template.Template(text)
    other.Template(text)
    from mako import template
    template.Template(text)
