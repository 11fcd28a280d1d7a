"""Run a piece of work in a forked worker that cannot reach any network, with a deadline and Ctrl-C.

Oxigraph follows a SPARQL ``SERVICE`` clause with an HTTP request of its own
(from Rust, so no Python-level guard can stop it). The parse check refuses
SERVICE before a query runs; this module makes a bypass of that check
harmless: the worker installs a seccomp filter under which ``socket()``
fails for every address family except Unix sockets (and ``io_uring``, which
could open sockets another way, is refused too), so the engine's HTTP client
gets an error instead of a connection. The worker is a forked child, so a
query that runs too long, or is interrupted, is stopped by killing it.
"""

from __future__ import annotations

import ctypes
import os
import pickle
import platform
import select
import signal
import struct
import time
from collections.abc import Callable
from typing import TypeVar, cast

from uugraph.errors import InputError, UugraphError

T = TypeVar("T")

# Per architecture: the audit architecture, the numbers of socket() and io_uring_setup().
_ARCHES = {"x86_64": (0xC000003E, 41, 425), "aarch64": (0xC00000B7, 198, 425)}
_AF_UNIX = 1
_EPERM = 1
_PR_SET_NO_NEW_PRIVS, _PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 38, 22, 2
_RET_ALLOW, _RET_ERRNO = 0x7FFF0000, 0x00050000


class QueryTimeout(UugraphError):
    """A query ran past its deadline and was stopped."""


def available() -> bool:
    """Whether workers can be sandboxed here (Linux on x86_64 or aarch64, with fork)."""
    return hasattr(os, "fork") and platform.system() == "Linux" and platform.machine() in _ARCHES


def _filter_program() -> bytes:
    """The seccomp BPF program: refuse socket() unless AF_UNIX, refuse io_uring and the x32 ABI."""
    arch, nr_socket, nr_io_uring = _ARCHES[platform.machine()]

    def ins(code: int, jt: int, jf: int, k: int) -> bytes:
        return struct.pack("HBBI", code, jt, jf, k)

    ld, jeq, jge, ret = 0x20, 0x15, 0x35, 0x06
    program = [
        ins(ld, 0, 0, 4),  # 0: the architecture
        ins(jeq, 0, 7, arch),  # 1: another ABI (not ours): allow (→ 9)
        ins(ld, 0, 0, 0),  # 2: the system call number
        ins(jge, 6, 0, 0x40000000),  # 3: the x32 ABI: refuse (→ 10)
        ins(jeq, 5, 0, nr_io_uring),  # 4: io_uring_setup: refuse (→ 10)
        ins(jeq, 0, 3, nr_socket),  # 5: socket → 6, anything else → 9
        ins(ld, 0, 0, 16),  # 6: its address family (low word of the first argument)
        ins(jeq, 1, 0, _AF_UNIX),  # 7: AF_UNIX → 9
        ins(ret, 0, 0, _RET_ERRNO | _EPERM),  # 8
        ins(ret, 0, 0, _RET_ALLOW),  # 9
        ins(ret, 0, 0, _RET_ERRNO | _EPERM),  # 10
    ]
    return b"".join(program)


def forbid_network() -> None:
    """Install the filter in this process (irreversibly); raises OSError when the kernel refuses."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    code = _filter_program()
    buffer = ctypes.create_string_buffer(code, len(code))

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    prog = SockFprog(len(code) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    if libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP) failed")


def run_isolated(work: Callable[[], T], *, timeout: float | None, what: str = "the work") -> T:
    """Run ``work`` in a forked child without network; its result (or its UugraphError) comes back pickled.

    The child is killed when ``timeout`` seconds pass (QueryTimeout, exit 2)
    or when this process is interrupted (KeyboardInterrupt goes on up).
    """
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the worker
        os.close(read_end)
        code = 0
        try:
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            _die_with_parent()
            forbid_network()
            try:
                payload = pickle.dumps((True, work()))
            except InputError as exc:
                payload = pickle.dumps((False, ("input", exc.path, exc.line, exc.column, exc.cause)))
            except UugraphError as exc:
                payload = pickle.dumps((False, ("error", exc.exit_code, str(exc))))
            except BaseException as exc:  # a failure, not a crash: reported by the parent with its cause
                payload = pickle.dumps((False, ("error", 2, f"{what} failed: {type(exc).__name__}: {str(exc)[:300]}")))
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(payload)
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    os.close(write_end)
    deadline = None if timeout is None else time.monotonic() + timeout
    chunks: list[bytes] = []
    finished = False
    try:
        while True:
            wait = None if deadline is None else max(deadline - time.monotonic(), 0)
            ready, _, _ = select.select([read_end], [], [], wait)
            if not ready:
                raise QueryTimeout(f"{what} ran longer than {timeout:g} s and was stopped (raise --timeout to allow more)")
            chunk = os.read(read_end, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
        finished = True
    finally:
        os.close(read_end)
        if not finished:
            _kill(pid)
    _, status = os.waitpid(pid, 0)
    if not chunks:
        code = os.waitstatus_to_exitcode(status)
        raise UugraphError(f"{what} stopped without an answer (exit code {code})")
    ok, value = pickle.loads(b"".join(chunks))
    if not ok:
        if value[0] == "input":
            raise InputError(*value[1:])
        error = UugraphError(value[2])
        error.exit_code = value[1]
        raise error
    return cast(T, value)


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass


def _die_with_parent() -> None:
    """Ask Linux to kill the worker when its parent dies, so no query outlives a killed command."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
