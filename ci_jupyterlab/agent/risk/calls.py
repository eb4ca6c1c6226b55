"""The calls, methods and attributes the walk knows, by dotted name, and what they do to files and the kernel."""

from __future__ import annotations

import re

SUBPROCESS = {f"subprocess.{name}" for name in ("run", "call", "check_call", "check_output", "Popen")}
#: Calls whose first argument is shell text, and how the approval card names them.
SHELL_CALLS = {
    "os.system": "os.system",
    "os.popen": "os.popen",
    "subprocess.getoutput": "subprocess",
    "subprocess.getstatusoutput": "subprocess",
    "asyncio.create_subprocess_shell": "asyncio",
    **{f"get_ipython().{name}": "!" for name in ("system", "system_raw", "system_piped", "getoutput")},
}
EXECS = {
    f"os.{kind}{variant}" for kind in ("exec", "spawn") for variant in ("l", "le", "lp", "lpe", "v", "ve", "vp", "vpe")
} | {"os.posix_spawn", "os.posix_spawnp", "asyncio.create_subprocess_exec"}
PIP_MAINS = {"pip.main", "pip._internal.main", "pip._internal.cli.main.main"}
DELETES = {"shutil.rmtree", "os.remove", "os.unlink", "os.rmdir", "os.removedirs"}
OPENS = {
    "open", "io.open", "codecs.open", "builtins.open", "io.FileIO", "gzip.open", "bz2.open", "lzma.open",
    "tarfile.open", "zipfile.ZipFile",
}  # fmt: skip
#: Calls that change a file's metadata or make one where the path (first argument) says.
CHANGES = {
    "os.chmod", "os.lchmod", "os.chown", "os.lchown", "shutil.chown", "os.truncate", "os.utime", "os.mkfifo",
    "os.mknod", "os.link", "os.symlink",
}  # fmt: skip
#: Calls that run code given as text or bytes; a literal is read like a cell, anything else cannot be.
CODE_RUNNERS = {"exec", "eval", "compile", "builtins.exec", "builtins.eval", "builtins.compile"}
#: Calls that import a module named by their first argument.
IMPORTERS = {"__import__", "builtins.__import__", "importlib.import_module", "importlib.__import__"}
#: Calls that run code that cannot be read here at all: a file's, another module's, native code, pickled code.
OPAQUE_CALLS = {
    "runpy.run_path", "code.interact", "ctypes.CDLL", "ctypes.PyDLL", "ctypes.cdll.LoadLibrary",
    "ctypes.CDLL.LoadLibrary", "marshal.loads", "types.FunctionType", "types.CodeType",
}  # fmt: skip
#: Methods that run code they were given: ``spec.loader.exec_module(m)``, ``interpreter.runsource(text)``.
OPAQUE_METHODS = {"exec_module", "runsource", "runcode"}
#: Attributes that reach past every name the cell shows: ``().__class__.__base__.__subclasses__()``.
INTERNALS = {"__globals__", "__subclasses__", "__builtins__", "__code__", "__closure__", "__import__"}
#: Modules whose functions ``getattr(module, name)`` with a computed name could be any of.
SENSITIVE_MODULES = {"os", "shutil", "subprocess", "pty", "builtins", "sys", "importlib", "ctypes", "posix", "io"}
#: Programs run without a shell (argv) through the pseudo-terminal module.
PTY_SPAWNS = {"pty.spawn", "os.forkpty", "pty.fork"}
#: ``os.open`` flags that write.
WRITE_FLAGS = re.compile(r"O_(WRONLY|RDWR|CREAT|TRUNC|APPEND)")
#: Calls that find Jupyter's runtime, data and config files (the server's token, kernels' keys, our key).
JUPYTER_FILES = {
    "jupyter_core.paths.jupyter_runtime_dir", "jupyter_core.paths.jupyter_data_dir",
    "jupyter_core.paths.jupyter_config_dir", "jupyter_core.paths.jupyter_path",
    "jupyter_core.paths.jupyter_config_path", "jupyter_server.serverapp.list_running_servers",
    "notebook.notebookapp.list_running_servers", "jupyter_client.find_connection_file",
    "jupyter_client.connect.find_connection_file", "ipykernel.get_connection_file",
    "ipykernel.connect.get_connection_file", "ipykernel.get_connection_info", "ipykernel.connect.get_connection_info",
}  # fmt: skip
#: Calls that show JavaScript (or HTML that may hold some) in the page.
PAGE_SCRIPTS = {
    "IPython.display.Javascript", "IPython.core.display.Javascript", "IPython.display.display_javascript",
    "IPython.core.display.display_javascript",
}  # fmt: skip
HTML_CALLS = {"IPython.display.HTML", "IPython.core.display.HTML", "IPython.display.display_html"}
#: HTML that runs script: a script element, an event handler, a javascript: URL.
SCRIPT_IN_HTML = re.compile(r"<script|\son\w+\s*=|javascript:", re.IGNORECASE)
MOVES = {"shutil.move", "os.rename", "os.replace", "os.renames"}
COPIES = {"shutil.copy", "shutil.copy2", "shutil.copyfile", "shutil.copytree"}
#: Methods that write their first argument: ``df.to_csv(path)``, ``plt.savefig(path)``, ``np.save(path, a)``.
WRITERS = {
    "to_csv", "to_excel", "to_parquet", "to_json", "to_pickle", "to_feather", "to_hdf", "to_html",
    "savefig", "save", "savetxt", "savez", "savez_compressed", "write_image", "write_html",
}  # fmt: skip
PATH_TYPES = {"Path", "PurePath", "PosixPath", "WindowsPath", "PurePosixPath", "PureWindowsPath", "join"}
#: Path methods that keep the folder a path is in.
PATH_METHODS = {"expanduser", "resolve", "absolute", "joinpath", "with_name", "with_suffix", "with_stem"}
#: Calls that return their argument's path in another form.
SAME_PATH = {"expanduser", "abspath", "realpath", "normpath", "expandvars", "os.fspath", "str"}
#: What opening a file in a mode does to it, by the mode's letters.
OPEN_VERBS = (("w", "overwrites"), ("a", "appends to"), ("x", "creates"), ("+", "writes to"))
ABSOLUTE = re.compile(r"^(/|~|[A-Za-z]:[\\/]|\\\\)")
#: How deep to follow names to the values they were given ("p = q", "q = p" must end).
MAX_DEPTH = 10
