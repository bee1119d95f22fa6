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
        # Unsubscribing from a service, not from its emails.
        r"unsubscrib\w* (from )?(the |my |our |your )?(\w+ )?(service|plan|subscription|"
        r"membership|box|premium|channel)",
        r"churn\w*",
        r"last time i (buy|use|order|fly|shop)\w*",
        # Said without the word: where the money goes next, when they go, what they won't do again.
        r"(go|goes|going|gone|move|moving|moved|switch\w*|port\w*|bank\w*|book\w*|fly\w*|tak\w* "
        r"(it|them|my \w+|our \w+)) (over )?(to|with) (a |an )?(different|another|other|rival|"
        r"competing) (airline|bank|provider|supplier|network|carrier|company|shop|store|retailer|"
        r"insurer|courier|app|tool|platform|service|isp|chain|brand)",
        r"(buy\w*|shop\w*|order\w*|book\w*) (from|with|at) (a |an )?(different|another|other|rival)"
        r" (shop|store|retailer|site|company|brand|supplier|airline|restaurant|place)",
        r"(take|taking|move|moving|moved|took) (my|our|both our|all our|all my) (\w+ ){0,2}"
        r"(somewhere else|elsewhere)",
        r"never again",
        r"(won'?t|will not|wont|never) (be )?(shopping|buying|ordering|flying|eating|staying|"
        r"banking|booking|coming back|going back|using (them|you|it|this|that))( (there|here|"
        r"with (them|you)|from (them|you)|at (them|you)))? again",
        r"(won'?t|will not|wont|not) (be )?renewing",
        r"(i'?m|we'?re|i am|we are|i'?ll be|we'?ll be) (gone|out|off|outta here|leaving|done)\b"
        r"[^.!?]{0,30}\b(contract|plan|term|deal|subscription|renewal)",
        r"(evaluating|trialling|trialing|testing|comparing) [^.!?]{0,40}\b(before|at|ahead of) "
        r"(the |our |my )?renewal",
        r"jump\w* ship",
        r"(my|our) (?!flight|booking|order|train|trip|hotel|reservation|table)(\w+ )?"
        r"cancell?ation(?! fee| charge| polic)",
    ],
    Intent.LEGAL: [
        r"(my|a|our) (lawyer|attorney|solicitor)s?",
        r"su(e|ing) (you|them|@\w+|the company)",
        r"(lawsuit|class action|legal action|small claims|litigation)",
        r"(take|taking) (you|this|it) to court",
        r"(trading standards|ombudsman|consumer protection|better business bureau)",
        r"(the|to) (ftc|cfpb|bbb)",
        r"(report|reporting|reported) (you|them) to",
        # Regulators and the bank's dispute process, named.
        r"(report\w*|complain\w*|complaint|escalat\w*|referr?\w*|going|gone|went|writ\w*|wrote)"
        r" [^.!?]{0,30}\bto (the |our |my )?(council'?s |local )?(ofcom|ofgem|ofwat|fca|ico|caa|"
        r"asa|cma|regulator|information commissioner|environmental health|financial ombudsman|"
        r"advertising standards|police)",
        r"environmental health|section 75|letter (before action|of claim)|money claims?|"
        r"county court|tribunal",
        r"charge-?backs?",
        r"disput\w* [^.!?]{0,30}\bwith (my|our|the) (bank|card|credit card|card issuer|"
        r"card provider)",
        r"(lawyers?|solicitors?|attorneys?|legal team|legal department) (are|is|have been|has been|"
        r"were) (cc'?d|copied|involved|looking|aware|instructed|on it|dealing)",
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
        # Described, not named.
    ],
    Intent.OUTAGE: [
        r"(is|are|site|app|website|service|server\w*|network|system) (down|offline)",
        r"down (again|for|since)",
        r"outage\w*",
        r"not (working|loading|responding|connecting)",
        r"(doesn'?t|does not|won'?t|will not|can'?t|cannot) (even )?(work|load|open|connect|start)",
        r"(white|black|blank) screen",
        r"(stopped|stops) working",
        r"crash\w*",
        r"(bugs?(?! bount)|buggy|glitch\w*)",
        r"error (message|code|page)?",
        r"no (signal|service|internet|wifi|connection|network|"
        r"power(?! (cable|lead|adapt\w+|plug|cord|supply|bank|button|socket)))",
        r"keeps? (crashing|freezing|dropping|disconnecting)",
        r"(frozen|freez\w*)",
    ],
    Intent.BILLING: [
        r"charged (me )?for",
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
        r"deliver(y|ies|ed)?(?! (app|apps|api|platform|website|site|partner|company))",
        r"(package|parcel|shipment|courier)s?",
        r"ship(ping|ped)",
        r"tracking( number| info\w*)?",
        r"(my|the|our|an?) orders?",
        r"order (number|status|no)|ordered",
        r"dispatch\w*",
    ],
    Intent.ACCOUNT: [
        r"(?<!chat )(?<!call )(?<!error )log ?in|login|log me in|sign ?in",
        r"(logs?|logged|logging|signs?|signed|signing|kicks?|kicked|kicking) (me|us) out",
        r"(points|miles|rewards?|stamps|vouchers?|balance|credits?) (\w+ ){0,3}(vanished|"
        r"disappeared|gone missing|went missing|reset|wiped|zeroed|dropped to zero)",
        r"(transfer\w*|chang\w*|reassign\w*|hand\w* over) (the )?(workspace |account |team |"
        r"admin |org )?(ownership|owner|admin rights)",
        r"(locked|suspended|froze|blocked|disabled) (my|our) (account|workspace|profile)",
        r"password",
        r"locked out",
        r"(account|workspace|profile) (is |was |has been |got )?"
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
        r"(wants?|needs?|asks? for|asking for|requires?|demands?|requesting) (access to |"
        r"permission (for|to access) )?my (contacts|precise location|location|microphone|"
        r"camera|photos|call logs?|text messages)",
        r"(other|another|different) (customer|user|person|people|patient|member|client)s?'?s? "
        r"(\w+ ){0,3}(data|details|names|addresses|order histor\w*|accounts?|information|records|"
        r"statements?|emails?|invoices)",
        r"(leak\w*|expos\w*) (my|our|customer\w*|personal|user\w*|client)? ?(api keys?|keys|"
        r"passwords?|credentials|addresses|names|documents|ids)",
        r"(getting|receiving|get|got|now get) (\d+ |loads of |tons of )?(spam|nuisance|marketing|"
        r"cold) (calls|texts|emails)",
        r"(shared|sold|passed|gave|given|handed|sharing|selling) (on )?(my|our) (phone |mobile |"
        r"personal |contact )(number|data|details|info\w*|email|address)",
        r"never opted in",
        r"(doing|do|did) with (my|that|our|the|all that|this) (data|info\w*|details)",
    ],
    Intent.QUESTION: [
        # Also raised by a sentence that opens with a question word and ends in "?".
        r"how (do|can|does|to|long|much)",
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
        r"gracias|merci|grazie|obrigad[oa]",
        r"cheers (@\w+ |to @?\w+ )?for",
        r"worth it(?!\s*\?| or)",
    ],
    Intent.PURCHASE: [
        r"(want|wanting|going|planning|hoping|looking|plan) to (buy|get|order|purchase|upgrade)",
        r"(thinking|thought|considering) (of |about )?(buying|getting|ordering|switching|moving|"
        r"joining|signing up|booking|upgrading)",
        r"where (can|do) i (buy|get|order|find)",
        r"should i (buy|get|order)",
        r"pre-?order\w*",
        r"(back )?in stock",
        r"how much (is|are|does|for)",
        r"can'?t wait to (buy|get|order|try)",
        r"take my money",
    ],
}

# Phrases of the intents whose words are often meant otherwise (a hazard, an outage, money, an
# order, a question, praise, a purchase) that say what they mean: the model does not overrule
# them (``combine.py``), as it does "fire" or "an order" where it is sure they are not meant.
PLAIN_PHRASES: dict[Intent, list[str]] = {
    Intent.SAFETY: [
        # Described, not named.
        r"(piece|bit|chunk|shard|sliver|fragment|lump)s? of (\w+ )?(glass|metal|plastic|wire|wood|"
        r"rubber|stone)(?! (junk|rubbish|crap|garbage|trash|tat))",
        r"(live|exposed|bare|sparking) (wires?|cables?|electrics)",
        r"(someone|somebody|a child|a kid|kids|children|people|someone'?s \w+) (is|are|will|could|"
        r"is going to|are going to|'?s going to|'?re going to|gonna) (\w+ )?(get|be) "
        r"(hurt|injured|killed|electrocuted|burned|burnt)",
        r"(raw|undercooked|uncooked|pink|bloody) (in the middle|inside|in the cent(re|er))",
        r"(chicken|pork|burgers?|meat|sausages?|turkey)( \w+)? (was|were|is|are|came) (still )?"
        r"(raw|undercooked|uncooked|pink)",
        r"fire ?(brigade|department|service|engines?|trucks?|crews?|fighters?)",
        r"(seizures?|epileptic|epilepsy|migraine aura|asthma attack)",
        r"safety (feature|system|alarm|alert|device|check|catch|lock|switch|cut-?off)s? (\w+ ){0,4}"
        r"(failed|fail|didn'?t|did not|never|doesn'?t|does not|stopped|broke)",
        r"hot (enough )?(to|that) (\w+ ){0,3}(warp|melt|burn|scorch|blister|touch|hold|smoke)",
        r"(melt|warp|scorch|char)(ed|ing|s)? (\w+ ){0,3}(plastic|casing|plug|cable|socket|wire|"
        r"shelf|case)",
        r"(plastic|casing|plug|cable|socket|wire)s? (\w+ ){0,2}(melted|warped|scorched|charred)",
    ],
    Intent.OUTAGE: [
        r"(refuses?|refused|refusing) to (open|load|work|start|connect|launch|boot|sync)",
        r"(days?|weeks?|hours?|months?) without (any )?(broadband|internet|wifi|signal|service|"
        r"power|a connection|a phone line|a landline)",
    ],
    Intent.BILLING: [
        r"refund\w*",
        r"(double|over|over-)charg\w*|charged (me )?(twice|again)",
        r"charg\w* (me |us )?(three|four|five|\d+) times",
        r"(keep|kept|keeping) (the|my|our) money",
        r"(fraudulent|unauthori[sz]ed|disputed|duplicate) (transaction|charge|payment|debit)s?",
        r"(want|wants|wanted|asking|asked|charg\w*|quoted|quote) (me |us )?(£|\$|€) ?\d+",
        r"pay\w* (double|triple|twice)",
        r"(put|puts|putting|pushed|raised|raising|hiked|jacked) (the |their |our |my )?(\w+ )?"
        r"(prices?|fees?|premiums?|bills?)( up)?",
    ],
    Intent.DELIVERY: [
        r"(never|hasn'?t|has not|still not) (arrived|came|come|shown up|showed up)",
        r"lost in the (post|mail)",
        r"wrong (item|size|order|colou?r)",
        r"missing (item|order|package|parcel)s?",
        r"orders? (has been|have been|is|was|are|still) (still )?['\"]?(processing|pending|stuck|"
        r"on hold)",
        r"waiting (\w+ ){0,2}for (my|the|our|a) (new |replacement )?(debit |credit |bank )?"
        r"(card|sim|router|modem|handset)",
        r"(card|sim|router|modem|handset)( card)? (was|were|is) (\w+ )?(supposed|meant|due) to "
        r"(take|arrive|come|be here)",
        r"(lost|lose|losing|misplaced) (my|our) (bags?|suitcases?|luggage)",
        r"(bags?|suitcases?|luggage) (was |were |got |has been |have been )?(lost|missing|"
        r"delayed|damaged)",
        r"(sent|delivered|posted|shipped) (it|them|the \w+|my \w+) to (my |the |an |a )?(old|wrong|"
        r"previous|different) address",
        r"(came|arrived|shipped|delivered|box|package|parcel)( \w+){0,3} (without|with no|had no) "
        r"(a |an |the |any )?(\w+ )?(cable|charger|lead|plug|manual|instructions|screws|parts?|"
        r"batteries|remote|adapt[eo]r|dock|lid|hinges)",
    ],
    Intent.QUESTION: [
        r"who (exactly |else |on earth )?(do|should|can|am|are) (i|we) (\w+ ){0,2}(speak|talk|"
        r"contact|call|write|complain|go)",
        r"(i'?d|i would|we'?d|we would) like to know",
        r"please (confirm|advise|let (me|us) know)",
    ],
    Intent.PRAISE: [
        r"(props|respect|big up|hats off) (to|for)",
        r"(slaps|slapped)(?! (me|us|with|on|a))|hits different|chef'?s kiss|banger|goated",
        r"(obsessed|in love) (with|w)",
        r"(best|greatest|nicest|tastiest) (\w+ ){0,2}(i'?ve|i have|we'?ve|we have) (ever )?"
        r"(had|eaten|tried|used|bought|flown|stayed)",
        r"danke|te quiero|wunderbar",
        r"(is|are|was|were) (actually|genuinely|honestly|super) (good|great|decent|"
        r"amazing|delicious|cute|gorgeous|lovely|reliable|helpful|kind)",
        r"100% worth it|worth every penny|proud of",
    ],
    Intent.PURCHASE: [
        r"(want|wants|wanting|going|planning|hoping|looking|plan) to (book|subscribe|sign up|join)",
        r"(booking|buying|ordering) (it |one |them |another )?again|already (booked|ordered)",
        r"(need|want) (it|that|this|these|those|one)( \w+){0,3} (asap|right now|so bad(ly)?|"
        r"in my life|immediately)",
        r"saving up for",
        r"(still|even) (sell|sells|stock|stocks)",
        r"before (we|i) (buy|commit|upgrade|sign up|subscribe|order|book|purchase)",
        r"can (existing|current) customers (get|have|buy|order|upgrade)",
        r"(i'?d|i would|we'?d) (rather|prefer to|happily|gladly) (buy|get|order|book)",
        r"price match",
    ],
}
for _intent, _phrases in PLAIN_PHRASES.items():
    INTENT_PHRASES[_intent] = INTENT_PHRASES[_intent] + _phrases

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
    r"all (\d+(\.\d+)?k? )?of (you|my followers)( \w+){0,2} (are|will|is going to|are going to|"
    r"gonna) (get|getting|hear|hearing|see|seeing|know)",
    r"((goes|going|will go|is going) up|gets? posted) (on|to) (tiktok|youtube|twitter|x|facebook|"
    r"instagram|reddit|my (channel|page|blog|stories|story|feed|socials))",
    r"(recording|footage|clip|write-?up|screenshots) (goes|is going|will go|going) (up|out|public)",
    r"publish\w* (the |my |our |it |everything )(\w+ ){0,2}(write-?up|story|"
    r"article|post|findings|thread|video|recordings?|emails|screenshots)",
    r"(write|writing|written|wrote) (it|this|the (whole|entire) (thing|saga|story|experience)|"
    r"everything|the whole thing) up",
    r"(my|our) (next|upcoming|follow-?up|weekly) (video|newsletter|podcast|column|vlog|"
    r"blog post|article)",
    r"(\w+day'?s|tomorrow'?s|tonight'?s|this week'?s|next week'?s) (video|newsletter|podcast|"
    r"column|edition)",
    r"follow-?up (video|post|piece|article)|writing (a|my) (piece|story|article|column) (on|about)",
    r"so (that )?(everyone|everybody|the whole world|people|all of you|the internet) (can|will|"
    r"gets? to|could) (see|know|read|hear|judge)",
    r"(post\w*|upload\w*|publish\w*|put\w* up) (the |my |our |all the |all |"
    r"every |this |these )?(whole |entire |full |unedited )?(call |phone |chat )?(recordings?|"
    r"footage|chat logs?|transcripts?|email (chain|thread)|whole thread)",
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

# Cues of sarcasm that say so whatever the rest of the mention sounds like: they stand even where
# the model reads the mention as praise ("always works, said no one ever").
SARCASM_UNMISTAKABLE: list[str] = [
    r"said no one ever",
    r"yeah,? right",
    r"#sarcasm",
    r"thanks? (you )?for nothing",
    r"(impressed|amazing|incredible|well done|congrat\w*|impressive|talent\w*|genius|bravo|kudos)"
    r"[^.!?]{0,40}\bmanaged to (lose|break|ruin|damage|miss|mess|forget|double|overcharge|delete|"
    r"wipe|cancel|lock)",
]

# Cues of sarcasm: praise words used about a bad experience. A match turns the sentiment
# negative, drops "praise" and is given as a reason.
SARCASM_PHRASES: list[str] = [
    r"(oh|just|how|so|really) (great|perfect|wonderful|fantastic|brilliant|lovely)\b",
    r"(great|fantastic|brilliant|wonderful|perfect|awesome|lovely|nice|good job|well done)"
    r"\W+(yet )?(another|again|more)",
    r"(love|loving|loved|enjoy|enjoying|enjoyed|adore|nothing like|nothing better than|"
    r"nothing beats) (\w+ )?(waiting|staring at|being on hold|sitting on hold|on hold|being stuck|"
    r"paying|getting charged"
    r"|being charged|being ignored|being lied to|no (wifi|signal|internet|service|power))",
    r"(thanks|thank you|great job|well done|good job|cheers|hats off|props|respect|kudos)\b"
    r"[^.!?]{0,20}\bfor "
    r"(ruin\w*|wasting|losing|charging|cancell?ing|breaking|ignoring|nothing|the (delay|outage))",
    r"#not",
    r"🙄|🙃",
    r"(best|great|amazing|stellar|top[- ]notch) customer service"
    r"[^.!?]{0,20}(not|never|no one|nobody|hours|days|weeks)",
    *SARCASM_UNMISTAKABLE,
]

# Words saying a mention is an ad, a giveaway or spam, or that its gripe is not with the brand
# ("not their fault"): it is no complaint, and the model alone adds no intent to it.
ASIDE_PHRASES: list[str] = [
    r"#(ad|advert|sponsored|spon|giveaway|competition)",
    r"link in (my )?bio",
    r"use (my )?(promo |discount |referral )?code",
    r"dm me (for|to)",
    r"(contact|message|text) (\w+ ){0,2}on whatsapp",
    r"(earn|make|made|making) [£$€]?\d[\d,]*k? ?(a |per |/ ?)(week|day|month)",
    r"(follow|like|rt|retweet)( \+| and| &)? (retweet|rt|tag|share|follow)",
    r"not (\w+'?s|their|your|the (shop|store|company|brand|airline|bank|app|network)'?s?) fault",
    r"not about (the|this) (store|shop|company|brand|airline|bank|app|service|network)",
    r"nothing to do with (you|them|@\w+|the (store|shop|company|brand|airline|bank|app))",
]

# Followers and engagement that count as "reach" when the brand sets no number.
# An account taken over, not merely hard to get into: a care lead escalates it (money and data
# are moving while the customer waits). Matched where the mention is about an account.
TAKEOVER_PHRASES: list[str] = [
    r"(got|been|was|were|has been|have been|is) hacked",
    r"hack(ed|er|ers)",
    r"(someone|somebody|some ?one|a stranger|they) (has |have )?"
    r"(got|get|gotten|broke|logged|log|signed) (in ?to|into) (my|our)",
    r"(someone|somebody|a stranger) (has |have )?(ordered|bought|booked|spent|purchased) "
    r"[^.!?]{0,30}\b(on|with|from) (my|our) (saved )?(card|account|points)",
    r"(said|pretending|pretended|claimed|claiming) (they were|to be|he was|she was) me",
    r"sim swap\w*|swapped my sim|(new|replacement) sim (card )?(for|on) my (number|account)",
    r"(e-?mail|password|phone( number)?|pin|address) (was|were|has been|have been|got) "
    r"(changed|reset)",
    r"new (delivery |billing )?address (on|added to) (my|the|our) account",
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
    r"(i|we) (can |do |vaguely |definitely |clearly |still )?recall(ed)?\b",
    r"explosion of (?!(the|a|an|my|our|their|gas|glass)\b)\w+",
    r"(flavou?r|taste|colou?r|confetti|glitter) explosion",
    r"crash(ed|ing)? (out )?(on|at) (the|my|a|his|her|their) "
    r"(sofa|couch|bed|floor|friend'?s?|mate'?s?|place)",
    r"crash(ed|ing)? (my|the) (budget|diet|sleep schedule|party)",
    r"crash landing for",
    r"crash course",
    r"(sugar|caffeine) crash",
    r"blackout (curtains?|blinds?|drunk|dates?|poetry|tuesday|challenge|finale|episode|season|"
    r"series|film|movie|show|trailer|premiere|cast)",
    r"rolling blackouts?",
    r"(pen|ink|roof|pipe|tap|bottle|cup|flask|nappy|diaper|tent|boots?|shoes?|ceiling|radiator|"
    r"lunchbox|carton|pouch)s? (has |have |had |just |always |all )?(leaked|leaking|leaks)",
    r"black(ed)? out (drunk|at the)",
    r"(is|was|are|were|looks?|sounds?) (straight |absolute |pure )?(fire|lit)( ?🔥)?"
    r"(?! (alarm|brigade|service|exit|door|damage|risk|hazard|safety))",
    r"on fire (today|tonight|this (season|week|year)|lately)",
    r"(leaked|leaks?) (trailer|album|track|song|(photos?|pics?|footage) of the new)",
    r"(emergency landing|evacuated) (in|on) (the )?(game|film|movie|show|episode|book)",
    r"(frozen|froze) (accounts? )?(in|on) (the )?(game|app store)",
]

# A rating the author gave ("1 star", "2/5", "8/10"): it says the sentiment, whatever the words.
RATING = (
    # Not a date: "on 3/5", "since 1/10".
    r"(?<![\w/.£$€])(?<!on )(?<!by )(?<!the )(?<!since )(?<!from )(?<!until )(?<!till )"
    r"([0-9]|10)(\.5)? ?/ ?(5|10)(?![\w/])"
    r"|(?:^|[.!?:]\s*)(one|two|three|four|five|[1-5])[ -]stars?"
    r"(?! (hotel|resort|restaurant|chef|general))"
)

HIGH_ENGAGEMENT = 100
