"""The intent rules, written to be read and extended by a person.

Each intent lists phrases. A phrase is a regular expression over the lower-cased text, matched on
word boundaries; keep them short and literal where you can: ``(a|b)`` for alternatives, ``?``
for an optional letter or word, ``\\w*`` for "any ending". A brand adds its own phrases in its
config (``intent_terms``, matched literally) and its crisis words (``crisis_words``).

A phrase does not count when a negation comes just before it, skipping filler words
("not cancelling", "no refund needed", "won't be switching", "never had a problem"). Phrases that
carry their own negation ("not working", "never arrived") are matched as written.
"""

from __future__ import annotations

from heard.models import Intent

INTENT_PHRASES: dict[Intent, list[str]] = {
    Intent.CANCEL: [
        r"cancel\w* (my|the|our)? ?(subscription|account|membership|contract|plan|service|sub)",
        r"(i'?m|i am|we'?re|going to|gonna|will|about to) (cancel\w*|leav\w*|switch\w*|quit\w*)",
        r"switch\w* (to|provider\w*|supplier\w*|carrier\w*|networks?|banks?)",
        r"(take|taking) (my|our) (business|money|custom) elsewhere",
        r"(close|closing|delete|deleting) (my|our) account",
        r"never (buy\w*|order\w*|fly\w*|shop\w*|us\w*|com\w*|stay\w*|eat\w*)\b[^.!?]{0,30}\bagain",
        r"(lost|losing) (a|another|me as a) customer",
        r"(done|finished) with (you|your|@\w+)",
        r"unsubscrib\w*",
        r"churn\w*",
        r"last time i (buy|use|order|fly|shop)\w*",
    ],
    Intent.LEGAL: [
        r"(my|a|our) (lawyer|attorney|solicitor)s?",
        r"su(e|ing) (you|them|@\w+|the company)",
        r"(lawsuit|class action|legal action|small claims|litigation)",
        r"(take|taking) (you|this|it) to court",
        r"(trading standards|ombudsman|consumer protection|better business bureau)",
        r"(the|to) (ftc|cfpb|bbb)",
        r"(report|reporting) (you|this) to",
    ],
    Intent.SAFETY: [
        r"food poisoning",
        r"(caught|catch|on) fire",
        r"explod\w*|explosion",
        r"(burn(ed|t)|injur\w*|hurt|cut) (me|my|myself|him|her|us|our)",
        r"(made|making) (me|us|my \w+) (sick|ill)",
        r"(sick|ill|vomit\w*|threw up) after",
        r"allergic reaction|anaphyla\w*",
        r"(choking|choke) hazard|choked",
        r"(unsafe|dangerous|hazard\w*|toxic)",
        r"(electric shock|overheat\w*|smok(e|ing) (came|coming))",
        r"(found|was) (a|some)? ?(glass|metal|plastic|hair|bug|insect|worm|mould|mold|maggot)s? in",
        r"(ended up in|went to|rushed to) (the )?(hospital|a&e|er)",
    ],
    Intent.OUTAGE: [
        r"(is|are|site|app|website|service|server\w*|network|system) (down|offline)",
        r"down (again|for|since)",
        r"outage\w*",
        r"not (working|loading|responding|connecting)",
        r"(doesn'?t|does not|won'?t|will not|can'?t|cannot) (work|load|open|connect|start)",
        r"(stopped|stops) working",
        r"crash\w*",
        r"(bug|bugs|buggy|glitch\w*)",
        r"error (message|code|page)?",
        r"no (signal|service|internet|wifi|connection|network|power)",
        r"keeps? (crashing|freezing|dropping|disconnecting|logging me out)",
        r"(frozen|freez\w*)",
    ],
    Intent.BILLING: [
        r"refund\w*",
        r"(double|over|over-)charg\w*|charged (me )?(twice|again|for)",
        r"charged (to )?(my|our) (credit |debit )?(card|account|bank)",
        r"(still|keeps?|kept) (charging|billing) (me|us|my|our)",
        r"disput\w* (it|this|the (charge|payment|transaction))? ?with (my|our) (bank|card)",
        r"(my|the|a|your) (bill|invoice|statement)",
        r"billing|billed",
        r"(money|cash) back",
        r"payment\w*",
        r"chargeback",
        r"(hidden|late|extra|cancellation) fees?",
        r"price (increase|hike|rise)",
    ],
    Intent.DELIVERY: [
        r"deliver(y|ies|ed)?",
        r"(package|parcel|shipment|courier)s?",
        r"ship(ping|ped)",
        r"tracking( number| info\w*)?",
        r"(my|the|our|an?) orders?",
        r"order (number|status|no)|ordered",
        r"(never|hasn'?t|has not|still not) (arrived|came|come|shown up|showed up)",
        r"lost in the (post|mail)",
        r"wrong (item|size|order|colou?r)",
        r"missing (item|order|package|parcel)s?",
        r"dispatch\w*",
    ],
    Intent.ACCOUNT: [
        r"log ?in|login|log me in|sign ?in",
        r"password",
        r"locked out",
        r"account (is |was |has been |got )?"
        r"(locked|suspended|hacked|disabled|blocked|compromised|banned)",
        r"hack(ed|er|ers)",
        r"(2fa|two[- ]factor|verification code|one[- ]time code|otp)",
        r"(can'?t|cannot|unable to) access (my )?(account|profile)",
        r"(someone|somebody) (accessed|logged into|used) my",
    ],
    Intent.PRIVACY: [
        r"data breach|breach(ed)?",
        r"leak(ed|ing)? (my|our|customer\w*|personal)? ?(data|details|info\w*|emails?)",
        r"privacy",
        r"gdpr|data protection",
        r"personal (data|information|details)",
        r"(sold|selling|shared|sharing) (my|our) (data|info\w*|details|number|email)",
        r"without (my|our) consent",
    ],
    Intent.QUESTION: [
        # Also raised by a sentence that opens with a question word and ends in "?".
        r"how (do|can|does|to|long|much)",
        r"(does|do) anyone know",
        r"any (update|news|idea)s?",
        r"can (you|someone|anyone) (help|tell|explain|check)",
        r"(is|are) there (a|any)",
        r"when will",
        r"what('s| is) (the|happening|going on)",
    ],
    Intent.PRAISE: [
        r"thank(s| you)",
        r"(love|loving|loved|adore) (it|you|this|my|the|your|how)",
        r"(great|amazing|awesome|excellent|fantastic|brilliant|outstanding|superb) "
        r"(service|job|support|experience|team|product|app|staff|work)",
        r"(well done|kudos|shout ?out|five stars|5 stars|highly recommend\w*)",
        r"(impressed|delighted|so happy|very happy)",
        r"(best|favourite|favorite) (service|company|brand|app|ever)",
        r"never had a (problem|issue)|no complaints",
    ],
    Intent.PURCHASE: [
        r"(want|wanting|going|planning|hoping|looking|plan) to (buy|get|order|purchase|upgrade)",
        r"(thinking|thought) (of|about) (buying|getting|ordering|switching to)",
        r"where (can|do) i (buy|get|order|find)",
        r"should i (buy|get|order)",
        r"pre-?order\w*",
        r"(back )?in stock",
        r"how much (is|are|does|for)",
        r"can'?t wait to (buy|get|order|try)",
        r"take my money",
    ],
}

INTENT_PHRASES[Intent.PUBLIC] = [
    # The press and the consumer shows.
    r"(contact\w*|call\w*|tell\w*|email\w*|writ\w* to|tip\w* off|going to|go to) "
    r"(the |a |an |some |our |my )?(local |national )?"
    r"(press|media|news|newspapers?|papers|journalists?|reporters?|tv|watchdog|bbc)",
    r"(send\w*|forward\w*|tak\w*|giv\w*) (this|it|my story|the (whole )?(thread|story|"
    r"emails?|recording|video|screenshots?)) to (the|a)? ?(local |national )?(press|media|news|"
    r"newspapers?|paper|journalists?|reporters?|tv|bbc)",
    r"(consumer (show|programme|program|rights show)|watchdog programme|rip ?off britain)",
    r"(journalists?|reporters?|the press|the media) (will|would|are going to|gonna) "
    r"(love|hear|know)",
    # Going viral, being told to everyone.
    r"(is|about to|will|gonna|going to|this could) (go|going) viral",
    r"(make|making) (this|it|sure this) (public|go viral|known)",
    r"name and shame|naming and shaming",
    r"(tell|telling|warn\w*|let) (all|every\w*|each)( one| single one)? (of )?(my|our)? ?"
    r"(followers|friends|subscribers|viewers|family)",
    r"my \d+k? ?(followers|subscribers) (will|are going to|gonna|should|need to)",
    # The call, the video, the screenshots, posted for everyone.
    r"(recorded|recording|filmed|filming) (the |this |our |my |your )?(whole |entire )?"
    r"(call|conversation|chat|interaction|exchange|agent)",
    r"(post\w*|shar\w*|upload\w*|put\w*) (this|it|the (whole |entire )?(video|recording|"
    r"footage|call|conversation|screenshots?|photos?|pics?|receipts?|thread))( \w+){0,2} "
    r"(online|everywhere|(on|to) (tiktok|youtube|twitter|x|facebook|instagram|reddit|"
    r"social( media)?))",
    r"(leave|leaving|write|writing|post\w*) (a )?(bad|terrible|1[- ]star|one[- ]star|scathing)"
    r" reviews? (everywhere|on every)",
]

# What a reason calls each intent ("legal threat: 'my lawyer'").
INTENT_LABELS: dict[Intent, str] = {
    Intent.CANCEL: "churn threat",
    Intent.LEGAL: "legal threat",
    Intent.SAFETY: "safety hazard",
    Intent.OUTAGE: "outage or bug",
    Intent.BILLING: "billing",
    Intent.DELIVERY: "delivery",
    Intent.ACCOUNT: "account access",
    Intent.PRIVACY: "privacy",
    Intent.QUESTION: "question",
    Intent.PRAISE: "praise",
    Intent.PURCHASE: "purchase intent",
    Intent.CRISIS: "crisis word",
    Intent.PUBLIC: "threat to go public",
}

# A phrase right after one of these (with only FILLER words between) is negated.
NEGATORS = [
    "not",
    "no",
    "never",
    "nothing",
    "none",
    "nobody",
    "without",
    "dont",
    "don't",
    "doesnt",
    "doesn't",
    "didnt",
    "didn't",
    "isnt",
    "isn't",
    "arent",
    "aren't",
    "wasnt",
    "wasn't",
    "werent",
    "weren't",
    "wont",
    "won't",
    "wouldnt",
    "wouldn't",
    "shouldnt",
    "shouldn't",
    "havent",
    "haven't",
    "hasnt",
    "hasn't",
    "hadnt",
    "hadn't",
    "aint",
    "ain't",
    "nor",
]
FILLER = [
    "a",
    "an",
    "the",
    "any",
    "my",
    "our",
    "your",
    "really",
    "even",
    "ever",
    "actually",
    "be",
    "been",
    "being",
    "going",
    "gonna",
    "to",
    "planning",
    "plan",
    "want",
    "wanna",
    "need",
    "needed",
    "for",
    "had",
    "have",
    "has",
    "had",
    "i",
    "we",
    "will",
    "would",
    "at",
    "all",
    "more",
    "of",
    "about",
    "thinking",
    "just",
    "yet",
    "so",
    "too",
    "that",
    "this",
    "it",
    "any",
]

# Cues of sarcasm: praise words used about a bad experience. A match turns the sentiment
# negative, drops "praise" and is given as a reason.
SARCASM_PHRASES: list[str] = [
    r"thanks? (you )?for nothing",
    r"(oh|just|how|so|really) (great|perfect|wonderful|fantastic|brilliant|lovely)\b",
    r"(great|fantastic|brilliant|wonderful|perfect|awesome|lovely|nice|good job|well done)"
    r"\W+(yet )?(another|again|more)",
    r"(love|loving|enjoy|enjoying|adore|nothing like|nothing better than|nothing beats) "
    r"(\w+ )?(waiting|being on hold|sitting on hold|on hold|being stuck|paying|getting charged"
    r"|being charged|being ignored|being lied to|no (wifi|signal|internet|service|power))",
    r"(thanks|thank you|great job|well done|good job|cheers)\b[^.!?]{0,20}\bfor "
    r"(ruin\w*|wasting|losing|charging|cancell?ing|breaking|ignoring|nothing|the (delay|outage))",
    r"yeah,? right",
    r"said no one ever",
    r"#sarcasm|#not",
    r"🙄|🙃",
    r"(best|great|amazing|stellar|top[- ]notch) customer service"
    r"[^.!?]{0,20}(not|never|no one|nobody|hours|days|weeks)",
]

# Followers and engagement that count as "reach" when the brand sets no number.
# An account taken over, not merely hard to get into: a care lead escalates it (money and data
# are moving while the customer waits). Matched where the mention is about an account.
TAKEOVER_PHRASES: list[str] = [
    r"(got|been|was|were|has been|have been|is) hacked",
    r"hack(ed|er|ers)",
    r"(someone|somebody|some ?one|a stranger|they) (has |have )?"
    r"(got|get|gotten|broke|logged|log|signed) (in ?to|into) my",
    r"(someone|somebody|a stranger) (has |have )?(accessed|used|taken over|emptied|drained) my",
    r"(changed|changing|reset) (the|my) (e-?mail|password|phone( number)?|number|pin|address)"
    r"( (on|of|for) my)?",
    r"new payees?",
    r"unauthori[sz]ed (log ?ins?|access|transactions?|payments?|orders?|purchases?|transfers?)",
    r"(compromised|hijacked|taken over|took over)",
    r"(orders?|purchases?|payments?|transactions?|transfers?) (that )?i (didn'?t|did not|never) "
    r"(make|place|made|placed|authori[sz]e|authori[sz]ed|order)",
    r"spent (all )?my (points|miles|balance|credit|vouchers)",
    r"(moved|sent|transferred|took) [^.!?]{0,20}out of my account",
]

# A brand's crisis word in another sense: "as I recall", "an explosion of colour", "crashed on
# the sofa". Where one of these holds the crisis word that matched, it is not the brand's crisis.
CRISIS_OTHER_SENSES: list[str] = [
    r"(as|if) (i|we|you|u) (can |do |might )?recall",
    r"(can'?t|cannot|don'?t|do not|didn'?t) recall",
    r"(i|you|u) (\w+ )?recall(ed)? (that|how|when|what|the time|seeing|reading|him|her|them)",
    r"total recall",
    r"(an |a |pure |total )?explosion of (colou?rs?|flavou?rs?|taste|sound|joy|fun|love|emotions?)",
    r"(flavou?r|taste|colou?r|confetti|glitter) explosion",
    r"crash(ed|ing)? (out )?(on|at) (the|my|a|his|her|their) "
    r"(sofa|couch|bed|floor|friend'?s?|mate'?s?|place)",
    r"crash(ed|ing)? (my|the) (budget|diet|sleep schedule|party)",
    r"crash landing for",
    r"crash course",
    r"(sugar|caffeine) crash",
    r"blackout (curtains?|blinds?|drunk|dates?|poetry|tuesday|challenge)",
    r"black(ed)? out (drunk|at the)",
    r"(is|was|are|were|looks?|sounds?) (straight |absolute |pure )?(fire|lit)( ?🔥)?"
    r"(?! (alarm|brigade|service|exit|door|damage|risk|hazard|safety))",
    r"on fire (today|tonight|this (season|week|year)|lately)",
    r"(leaked|leaks?) (trailer|album|track|song|(photos?|pics?|footage) of the new)",
    r"(emergency landing|evacuated) (in|on) (the )?(game|film|movie|show|episode|book)",
    r"(frozen|froze) (accounts? )?(in|on) (the )?(game|app store)",
]

HIGH_ENGAGEMENT = 100
