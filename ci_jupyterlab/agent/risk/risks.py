"""What a cell would do that the user should approve first: ``Risks``, and its sentences for the card."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Risks:
    """What a cell would do that the user should approve first."""

    installs: tuple[str, ...] = ()  # requirements, in order: "pandas==2.2.3", "-r requirements.txt"
    uninstalls: tuple[str, ...] = ()
    shell_commands: tuple[str, ...] = ()  # as written, other than commands that only (un)install Python packages
    file_changes: tuple[str, ...] = ()  # "deletes /etc/x (shutil.rmtree)"
    hidden_code: tuple[str, ...] = ()  # code built when the cell runs: "eval({source})", "__import__({name})"
    server_access: tuple[str, ...] = ()  # Jupyter's runtime or credential files, the server's API
    page_scripts: tuple[str, ...] = ()  # JavaScript run in the JupyterLab page: "IPython.display.Javascript"
    installers: tuple[str, ...] = ()  # how packages are (un)installed: "%pip", "!pip", "subprocess", ...
    #: Each install command as written (words joined by one space): what an approval binds to.
    install_commands: tuple[str, ...] = ()

    @property
    def any(self) -> bool:
        return bool(self.installs or self.more_than_installs)

    @property
    def more_than_installs(self) -> bool:
        """Whether the cell does anything needing approval besides installing packages."""
        return bool(
            self.uninstalls
            or self.shell_commands
            or self.file_changes
            or self.hidden_code
            or self.server_access
            or self.page_scripts
        )

    def reasons(self) -> list[str]:
        """One plain sentence per kind of risk, for the approval card and the model."""
        how = f" with {', '.join(self.installers)}" if self.installers else ""
        found = (
            (self.installs, f"It installs {', '.join(self.installs)}{how}."),
            (self.uninstalls, f"It uninstalls {', '.join(self.uninstalls)}{how}."),
            (self.shell_commands, f"It runs shell commands: {'; '.join(self.shell_commands)}."),
            (
                self.file_changes,
                "It changes files outside the notebook's folder, or at paths known only when it runs: "
                f"{'; '.join(self.file_changes)}.",
            ),
            (
                self.hidden_code,
                f"It runs code made when it runs, which cannot be checked first: {'; '.join(self.hidden_code)}.",
            ),
            (
                self.server_access,
                "It reaches into the Jupyter server itself (its runtime or credential files, or its API): "
                f"{'; '.join(self.server_access)}.",
            ),
            (self.page_scripts, f"It runs JavaScript in your JupyterLab page: {'; '.join(self.page_scripts)}."),
        )
        return [sentence for present, sentence in found if present]
