//! The leader's guide: follow-up questions keyed by theme and valence, in our
//! own words. A draining theme invites exploring it; an energising one asks
//! how to get more of it.

/// A follow-up question for a theme, or a general one for themes the
/// organisation added itself.
pub fn follow_up(theme: &str, label: &str, energising: bool) -> String {
    let known = match (theme, energising) {
        ("craft", true) => {
            "Which part of your craft would you most like to go deeper in this year, and what would help?"
        }
        ("craft", false) => "Where does the quality of your work feel out of your hands right now?",
        ("leading", true) => {
            "What would a first step into leading people look like for you: a project, a new starter, a small team?"
        }
        ("leading", false) => {
            "What part of leading people costs you the most energy, and what would you hand back if you could?"
        }
        ("mentoring", true) => "Who could you teach or coach next quarter, and what would you want them to learn?",
        ("mentoring", false) => "What gets in the way when you try to help others grow?",
        ("ownership", true) => {
            "Which outcome could you own end to end, and what decisions would you need to be trusted with?"
        }
        ("ownership", false) => "Where do you feel responsible without the authority to decide?",
        ("impact", true) => {
            "When did you last see someone benefit from your work, and how could that happen more often?"
        }
        ("impact", false) => "Where does your work feel like it does not reach anyone?",
        ("collaboration", true) => "Who do you do your best work with, and how could we make more room for that?",
        ("collaboration", false) => "Which working relationship is hardest at the moment, and what would help?",
        ("learning", true) => "What would you like to learn next, and what stretch would be just the right size?",
        ("learning", false) => "Where do you feel you have stopped growing?",
        ("creativity", true) => "What idea would you try if you had a week to explore it?",
        ("creativity", false) => "What stops new ideas from getting tried here?",
        ("recognition", true) => "What kind of recognition matters most to you, and from whom?",
        ("recognition", false) => "When did you last feel overlooked, and what would have made it right?",
        ("strategy", true) => "Which decision beyond your own work would you like a say in?",
        ("strategy", false) => "Where do decisions land on you without explanation?",
        ("wellbeing", true) => "What keeps your energy up, and how do we protect it?",
        ("wellbeing", false) => "What would make the load more sustainable over the next few months?",
        ("friction", true) => "Which process works well for you that we should keep?",
        ("friction", false) => "Which meeting, approval or tool would you remove first, and what would it free up?",
        ("mobility", true) => {
            "Which role, team or department would you like to try, even for a while? Sideways and down are real moves too."
        }
        ("mobility", false) => "What worries you about a change of role, and what would make it feel safer?",
        ("communication", true) => "Where would you like to write, present or facilitate more?",
        ("communication", false) => "Which conversations or stakeholders are hardest to reach right now?",
        _ => "",
    };
    if !known.is_empty() {
        return known.to_owned();
    }
    if energising {
        format!("How could you get more of \u{201c}{label}\u{201d} into the next quarter?")
    } else {
        format!("What would make \u{201c}{label}\u{201d} less draining, even a little?")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const THEMES: [&str; 14] = [
        "craft",
        "leading",
        "mentoring",
        "ownership",
        "impact",
        "collaboration",
        "learning",
        "creativity",
        "recognition",
        "strategy",
        "wellbeing",
        "friction",
        "mobility",
        "communication",
    ];

    #[test]
    fn every_default_theme_has_both_questions() {
        for t in THEMES {
            for energising in [true, false] {
                let q = follow_up(t, "x", energising);
                assert!(q.ends_with('?') || q.ends_with("too."), "{t} {energising}: {q}");
                assert!(!q.contains('\u{201c}'), "{t} has its own question");
            }
        }
    }

    #[test]
    fn custom_themes_get_a_general_question() {
        assert_eq!(
            follow_up("patient-safety", "Patient safety", true),
            "How could you get more of \u{201c}Patient safety\u{201d} into the next quarter?"
        );
        assert!(follow_up("patient-safety", "Patient safety", false).contains("less draining"));
    }
}
