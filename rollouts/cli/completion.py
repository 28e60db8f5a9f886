"""`completion bash|zsh`: static scripts; rollout names come from `kubectl get rollouts`."""

from __future__ import annotations

COMMANDS = "get list promote abort retry pause set restart undo status lint version completion"
FLAGS = (
    "-n --namespace --context --kubeconfig -o --output -A --all-namespaces -w --watch --full"
    " --name --timestamps --no-watch --timeout --timeout-seconds --to-revision --in --no-color"
)

BASH = f"""# kubectl rollouts completion (bash): source <(kubectl rollouts completion bash)
_kubectl_rollouts() {{
    local cur="${{COMP_WORDS[COMP_CWORD]}}" prev="${{COMP_WORDS[COMP_CWORD-1]}}"
    case "$prev" in
        get|retry) COMPREPLY=($(compgen -W "rollout" -- "$cur")); return;;
        list) COMPREPLY=($(compgen -W "rollouts" -- "$cur")); return;;
        set) COMPREPLY=($(compgen -W "image" -- "$cur")); return;;
        completion) COMPREPLY=($(compgen -W "bash zsh" -- "$cur")); return;;
        -o|--output) COMPREPLY=($(compgen -W "json yaml" -- "$cur")); return;;
        rollout|ro|promote|abort|pause|restart|undo|status|image)
            COMPREPLY=($(compgen -W "$(kubectl get rollouts.argoproj.io \\
                -o jsonpath='{{.items[*].metadata.name}}' 2>/dev/null)" -- "$cur")); return;;
    esac
    if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "{FLAGS}" -- "$cur"))
    else
        COMPREPLY=($(compgen -W "{COMMANDS}" -- "$cur"))
    fi
}}
complete -F _kubectl_rollouts kubectl-rollouts
"""

ZSH = (
    "# kubectl rollouts completion (zsh): source <(kubectl rollouts completion zsh)\n"
    "autoload -U +X bashcompinit && bashcompinit\n" + BASH
)


def script(shell: str) -> str:
    return BASH if shell == "bash" else ZSH
