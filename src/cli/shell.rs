//! The shell around the CLI: completion scripts (with recipe and model
//! names completed from the database where the shell allows) and the manual
//! page, both generated from the same clap definition as `--help`.

use super::args::{Cli, CompletionShell, NameKind};
use super::{Context, output};
use clap::CommandFactory;
use color_eyre::eyre::Result;

/// Subcommands whose first argument is a recipe or model name.
const RECIPE_REFS: &str = "show|update|delete|clone|versions|version|commit|approve|archive|restore|example|diff|effective|rebase";
const MODEL_REFS: &str = "show|update|promote";

/// `nexml completions SHELL`: clap's script, plus dynamic names for bash and fish.
pub fn completions(shell: CompletionShell) -> Result<()> {
    let mut command = Cli::command();
    let mut script = Vec::new();
    let generator = match shell {
        CompletionShell::Bash => clap_complete::Shell::Bash,
        CompletionShell::Zsh => clap_complete::Shell::Zsh,
        CompletionShell::Fish => clap_complete::Shell::Fish,
    };
    clap_complete::generate(generator, &mut command, "nexml", &mut script);
    let mut script = String::from_utf8_lossy(&script).into_owned();
    match shell {
        CompletionShell::Bash => script.push_str(&bash_names()),
        CompletionShell::Fish => script.push_str(&fish_names()),
        CompletionShell::Zsh => {}
    }
    output::write_out(format_args!("{script}"));
    Ok(())
}

/// Completes a recipe or model name where one is expected, else defers to
/// clap's completion; names with spaces come back quoted.
fn bash_names() -> String {
    format!(
        r#"
_nexml_names() {{
    local IFS=$'\n' name
    COMPREPLY=()
    for name in $(compgen -W "$(nexml __names "$1" 2>/dev/null)" -- "$2"); do
        COMPREPLY+=("$(printf '%q' "$name")")
    done
}}

_nexml_with_names() {{
    local cur="${{COMP_WORDS[COMP_CWORD]}}" prev="${{COMP_WORDS[COMP_CWORD-1]}}"
    cur="${{cur//\\/}}"
    case "$prev" in
        --recipe|--parent) _nexml_names recipes "$cur"; return ;;
        --model) _nexml_names models "$cur"; return ;;
    esac
    if [[ $COMP_CWORD -eq 3 && "$cur" != -* ]]; then
        case "${{COMP_WORDS[1]}}" in
            recipe) [[ "${{COMP_WORDS[2]}}" =~ ^({RECIPE_REFS})$ ]] && {{ _nexml_names recipes "$cur"; return; }} ;;
            model) [[ "${{COMP_WORDS[2]}}" =~ ^({MODEL_REFS})$ ]] && {{ _nexml_names models "$cur"; return; }} ;;
        esac
    fi
    _nexml "$@"
}}

complete -F _nexml_with_names -o bashdefault -o default nexml
"#
    )
}

fn fish_names() -> String {
    let mut out = String::from("\n");
    for sub in RECIPE_REFS.split('|') {
        out.push_str(&format!(
            "complete -c nexml -n '__fish_seen_subcommand_from recipe; and __fish_seen_subcommand_from {sub}' -f -a '(nexml __names recipes 2>/dev/null)'\n"
        ));
    }
    for sub in MODEL_REFS.split('|') {
        out.push_str(&format!(
            "complete -c nexml -n '__fish_seen_subcommand_from model; and __fish_seen_subcommand_from {sub}' -f -a '(nexml __names models 2>/dev/null)'\n"
        ));
    }
    out
}

/// `nexml man`: the manual page as roff.
pub fn man() -> Result<()> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut page)?;
    output::write_out(format_args!("{}", String::from_utf8_lossy(&page)));
    Ok(())
}

/// `nexml __names KIND`: every recipe or model name, one per line.
pub async fn names(ctx: &Context, kind: NameKind) -> Result<()> {
    let names: Vec<String> = match kind {
        NameKind::Recipes => ctx
            .store
            .list_recipes(&crate::store::RecipeQuery {
                limit: 10_000,
                ..Default::default()
            })
            .await?
            .items
            .into_iter()
            .map(|r| r.name)
            .collect(),
        NameKind::Models => ctx
            .store
            .list_models(&crate::store::ModelQuery {
                limit: 10_000,
                ..Default::default()
            })
            .await?
            .items
            .into_iter()
            .map(|m| m.name)
            .collect(),
    };
    for name in names {
        outln!("{name}");
    }
    Ok(())
}
