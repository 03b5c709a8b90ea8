"""The domain vocabulary: how staff and parents say things vs how policies say them.

:func:`terms` turns a question or a clause into index terms: folded, phrases
rewritten ("friend request" -> friend, "year 5" -> pupil), words mapped to one
concept each (mum/dad/carer -> parent, FB -> facebook), lightly stemmed, stop
words dropped. Platform names also add the concept ``socialmedia``, so "insta"
meets a clause that only says "social media".

``OUT_OF_DOMAIN`` lists concepts of school life that a social media policy does
not cover (dinners, uniform, term dates...): the engine weighs them heavily
when deciding whether to abstain.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container, Iterable
from functools import lru_cache

__all__ = [
    "ADMIN_INTENTS", "CONCEPTS", "DOMAIN", "GENERIC", "INTENTS", "OUT_OF_DOMAIN", "PLATFORMS",
    "STOP_WORDS", "STRONG_DOMAIN", "Speller", "intents", "known_word", "stem", "terms",
]

def _words(text: str) -> list[str]:
    return text.split()


# Phrases rewritten before words are split: (pattern, replacement). Order matters.
_PHRASES: tuple[tuple[str, str], ...] = (
    # idioms that use domain words without meaning them
    (r"\b(?:asking|ask) for a friend\b|\bfriendly reminder\b", " "),
    # everyday senses of domain words: posting a letter, a school place, the office reception
    (r"\bpost(?:s|ed|ing)? (?:a |the |this |that |my |our )?(?:letters?|cards?|parcels?|"
     r"packages?|forms?|cheques?|envelopes?)\b|\b(?:in|by) the post\b|\bby post\b"
     r"|\bpost ?(?:office|box|man|woman|code)\b"
     r"|\b(?:the|today'?s) post (?:came|come|arrived|been|is here)\b|\bhas the post\b",
     " parcel "),
    (r"\bwhat date\b|\bthe date (?:of|for)\b|\b(?:closing|due) dates?\b|\bdeadlines?\b"
     r"|\bwhen'?s the (?!policy|review)\w+ (?:fair|disco|trip|concert|meeting|parents'? evening|"
     r"sale|deadline)\b"
     r"|\bwhen(?:'s| is| are| does| do)(?= (?:the |our |this |next )?(?:[\w']+ ){0,3}?(?:fair|"
     r"fete|disco|trip|concert|parents'? evening|sports day|nativity|play|show|performance|party|"
     r"photos? day|open day|holidays?|half term|inset day)s?\b(?! (?:photos?|pics?|pictures?|"
     r"videos?|posts?)))", " whendate "),
    (r"\bclaim(?:s|ing|ed)? (?:back |for |my |the |any )*(?:mileage|expenses|petrol|travel|"
     r"fuel|costs?|money)\b|\bmileage\b|\bexpenses\b", " price "),
    (r"\bappl(?:y|ying|ied|ication) for (?:a |my |our |his |her |their )?(?:school |reception "
     r"|nursery |year \w+ )?places?\b|\b(?:school|reception|nursery) places?\b"
     r"|\badmissions?\b", " admission "),
    (r"\b(?:on|at|behind|man\w*) (?:the )?(?:front )?(?:reception|front desk)\b"
     r"|\breception (?:desk|office|area|staff)\b", " office staff "),
    (r"\b(?:is there|get|download|install) (?:an? |the )?apps? (?:for|of)\b|\bshared drives?\b"
     r"|\b(?:google|one) ?drive\b|\bsharepoint\b|\bshar\w* (?:a |the |this |my )?"
     r"(?:documents?|files?|folders?|spreadsheets?)\b", " install "),
    # who to tell: "who should know", "who do I tell", "who needs to be told"
    (r"\bwho (?:should|do|must|would|can|shall|ought to|needs? to|has to) (?:i |we )?"
     r"(?:even |actually |then |now )?(?:tell|"
     r"inform|know|be told|be informed|speak to|talk to|go to|report (?:it |this |that )?to)\b"
     r"|\bwho (?:to|shall i|should i) (?:tell|inform|report to|speak to|talk to|go to)\b",
     " report "),
    # who can see it: the privacy of one's own account
    (r"\b(?:anyone|anybody|everyone|everybody|strangers|the public|the whole world|"
     r"people i don'?t know|randoms|the world) (?:can|could|is able to|are able to) "
     r"(?:see|view|find|look at|read)\b|\bwho (?:can|could) (?:see|view|find)\b"
     r"|\b(?:public|open) (?:profiles?|accounts?)\b"
     r"|\b(?:privacy|security|visibility) (?:levels?|options?|controls?)\b"
     r"|\bwhat level\b|\block(?:ed)? (?:it |my \w+ |them )?down\b|\bfriends[\s-]only\b",
     " private setting "),
    # going against the policy, whatever the wording
    (r"\b(?:ignor\w*|disregard\w*) (?:all (?:of )?(?:this|that|it)|it all|the lot)\b"
     r"|\bdon'?t (?:follow|stick to|bother with) (?:the |this |these |it|them)(?:rules?|polic\w*)?"
     r"\b", " breach policy "),
    # untrue things said about someone: defamation, and often bullying
    (r"\bspread\w* (?:[\w-]+ ){0,3}?(?:lies|rumou?rs?|stories|gossip|untruths)\b"
     r"|\b(?:lies|rumou?rs|untruths) about\b|\bmak\w* (?:things|stuff|it) up about\b",
     " defame bully "),
    (r"\b(?:getting|got|turn\w*|gone|went) (?:really |very |quite |a bit )?(?:nasty|personal|"
     r"vicious|ugly|out of hand)\b|\bpil\w* on\b|\bganging up\b", " bully "),
    # a night out in photos
    (r"\btag(?:s|ged|ging)? (?:me|us|you|him|her|them) in\b", " tag photo "),
    (r"\bworse for wear\b|\b(?:a bit|very|so|really) (?:merry|tipsy|drunk|wasted|hammered)\b"
     r"|\b(?:big|girls'?|lads'?|hen|stag) (?:night|do|party)\b",
     " reputation "),
    (r"\bname (?:the |any |our )?(?:pupils?|child(?:ren)?|kids?|winners|students?)\b"
     r"|\b(?:full|first|sur)"
     r"[\s-]?names?\b", " identify name "),
    (r"\blunch\s?hours?\b|\bdinner\s?hours?\b"
     r"|\b(?:at|over|during|in|on) (?:my |the |our |your )?lunch\b(?!\s*(?:menu|box|money|order))",
     " breaktime "),
    (r"\bspelling bees?\b|\bquiz(?:zes)?\b|\bcompetitions?\b|\bprize[\s-]?givings?\b"
     r"|\bawards? (?:evening|ceremony|assembly)\b", " event "),
    (r"\bupdat(?:e|es|ed|ing) (?:it|them)\b", " post "),
    # a public verdict on the school is a complaint, not the policy's review date
    (r"\b(?:bad|negative|poor|terrible|awful|scathing|honest|angry|1|one|2|two)[\s-]?(?:star )?"
     r"reviews?\b|\b(?:leave|leaving|left|write|writing|post\w*) (?:a |an |the school a |them a )?"
     r"reviews?\b", " complaint criticise "),
    # threats of violence
    (r"\bsort(?:ing)? (?:the \w+|him|her|them|you|\w+) out\b|\bbeat (?:\w+ )?up\b"
     r"|\bsmack\w*\b|\bpunch\w*\b|\bdeck (?:him|her|them)\b|\bhurt (?:him|her|them|you)\b"
     r"|\bwatch (?:your|his|her|their) backs?\b|\bcome after\b|\bhave it out with\b",
     " threat "),
    (r"\b(?:fgb|governors'?|board|committee|meeting) minutes\b|\bminutes of (?:the )?"
     r"(?:fgb|governors'?|board|committee|meeting)\b|\bgovernors'? meetings?\b",
     " confidential governor "),
    (r"\bname and (?:phone )?number\b|\bnumber and (?:home )?address\b",
     " personal information phonenumber "),
    (r"\bupdat(?:e|es|ed|ing) (?:my |the |a |our |your |their |his |her )?(?:blog|website|page|"
     r"profile|status|feed|account)s?\b", " post blog "),
    (r"\bprivate(?:ly)? (?:msg|message|messag\w*|dm|chat)s?\b", " direct contact "),
    # who acts: asking leave to do something vs something done to you
    (r"\b(?:can|may|could|should) i\b|\bam i (?:allowed|ok|okay)\b|\bis it (?:ok|okay|"
     r"alright|fine|allowed)\b|\b(?:i'?m|am i) allowed\b", " askleave "),
    (r"\b(?:added|followed|requested|messaged|contacted|friended|dm'?d|tagged) me\b|\bsent me\b",
     " incomingcontact "),
    (r"\bsocial[\s-]*(?:media|network(?:ing)?s?|networking sites?|sites?)\b", " socialmedia "),
    (r"\bsocials\b", " socialmedia "),
    (r"\bface\s?book\b", " facebook "),
    (r"\btik\s?toks?\b|\btick\s?tocks?\b", " tiktok "),
    (r"\byou\s?tube\b", " youtube "),
    (r"\bwhats\s?app\b", " whatsapp "),
    (r"\bx\.com\b|\bon x\b", " twitter "),
    (r"\be[\s-]?mails?\b", " email "),
    (r"\be[\s-]?safety\b", " esafety "),
    (r"\bon[\s-]?line\b", " online "),
    (r"\b(?:friend|follow|add|connection)\s+requests?\b", " friend "),
    (r"\b(?:year|yr|y)\s?(?:[1-6]|one|two|three|four|five|six)s?\b", " pupil "),
    (r"\b(?:ex|former|old)[\s-]+(?:pupils?|students?|children|kids?)\b", " ex pupil "),
    (r"\bhead\s?teachers?\b|\bhead\s?(?:master|mistress)\b", " headteacher "),
    (r"\bdesignated safeguarding lead\b|\bsafeguarding lead\b", " dsl "),
    (r"\bchair (?:of (?:the )?(?:school )?governors|of the board)\b", " governor "),
    (r"\bteaching assistants?\b|\bsupport staff\b|\bmember of staff\b", " staff "),
    (r"\b(?:(?:mobile|home|personal|work) )?(?:phone|telephone|mobile|whatsapp|contact|home) "
     r"numbers?\b|\bmobile no\b", " phonenumber "),
    (r"\b(?:giv\w*|gave|hand(?:ing|ed)? out|shar\w*|pass(?:ing|ed)? on|swap\w*|exchang\w*) "
     r"(?:out )?(?:my|your|his|her|their|our) (?:own |home |personal |private |work )?"
     r"(?:mobile|phone)\b(?! calls?)|\bhome or mobile\b|\bhome phone\b", " phonenumber "),
    (r"\bphone (?:me|us|you|him|her|them|parents?|home|school)\b", " contact "),
    (r"\b(?:tele)?phone calls?\b|\b(?:via|by|over the) (?:tele)?phone\b", " contact "),
    # admin and tech support: not what a social media policy covers
    (r"\brequest(?:s|ed|ing)? (?:me|you|him|her|them|us)\b", " friend "),
    (r"\bignor(?:e|es|ed|ing) (?:this|the|these|our|all this|all the|any of the) "
     r"(?:polic\w*|rules?|guidance|code)\b", " breach policy "),
    (r"\bsign(?:s|ed|ing)? (?:it |that |this |them )?off\b|\bsign[\s-]off\b", " approve "),
    (r"\bnot (?:happy|pleased|impressed|satisfied)\b", " concern "),
    (r"\bwhile (?:the|my|our|your) (?:kids|children|pupils|class|students)\b", " pupil lesson "),
    (r"\bwhen (?:can|could|should|may|might|am|do|does)\b", " time "),
    (r"\bwrit(?:e|es|ing|ten) (?:about|up)\b", " post "),
    (r"\bhalf[\s-]?terms?\b|\bterm dates?\b|\binset days?\b|\bbank holidays?\b", " holiday "),
    (r"\bhow much (?:is|are|does|do|will|for)\b|\b(?:pay|paying|paid) for\b", " price "),
    (r"\blog(?:s|ging|ged)? (?:me |you |us |them )?out\b|\bnot working\b"
     r"|\bwon'?t (?:load|open|work)\b|\bkeeps? (?:crashing|freezing)\b", " glitch "),
    (r"\b(?:change|reset|forgot(?:ten)?|recover)\w* (?:my |the |our |your )?(?:[\w']+ ){0,2}"
     r"passwords?\b", " reset password "),
    (r"\bmobile phones?\b", " phone "),
    (r"\b\d{1,2}[\s-]?(?:years?|yrs?)[\s-]?olds?\b", " pupil age "),
    (r"\bschool (?:play|show)\b|\bsports day\b|\bchristmas (?:play|show)\b", " event "),
    (r"\bdate of birth\b|\bd\.?o\.?b\b", " birthday "),
    (r"\bgoogle classroom\b|\bclass dojo\b|\bseesaw\b|\btapestry\b", " googleclassroom "),
    (r"\bhome[\s-]?(?:learning|schooling)\b|\bremote learning\b|\blockdown\b", " homeschool "),
    (r"\b(?:out of|outside(?: of)?|after) (?:school|work)(?: hours)?\b", " outsidehours "),
    (
        r"\b(?:at|over) the weekend\b|\bweekends?\b|\bin the evenings?\b|\bsummer hols\b",
        " outsidehours ",
    ),
    (
        r"\b(?:lunch|coffee|tea|dinner)\s?(?:break|time)s?\b|\bbreak\s?times?\b|\bplay\s?times?\b",
        " breaktime ",
    ),
    (r"\b(?:my|on|during|at|in) (?:my |the )?breaks?\b", " breaktime "),
    (r"\bbreak(?:ing|s)? (?:the|this|a|any|these) (?:rules?|polic\w*|code)\b", " breach policy "),
    (r"\b(?:get|got|be|am|in) (?:into |in )?trouble\b", " disciplinary "),
    (r"\bscreen\s?(?:shots?|grabs?)\b", " share "),
    (r"\b(?:send|pass|forward)(?:ing)? (?:it )?(?:round|around|on)\b", " share "),
    (r"\b(?:i|we|you) work (?:at|for|in)\b|\bplace of (?:work|employment)\b", " employee "),
    (r"\bwhere (?:i|you) work\b|\b(?:i|we) teach (?:at|in)\b|\bwhere (?:i|you) teach\b",
     " employee "),
    (r"\b(?:spelling|times ?tables?|phonics|maths|reading|sats|mock) (?:tests?|quiz(?:zes)?|"
     r"lessons?|sessions?)\b|\b(?:silent|guided|quiet) reading\b", " lesson "),
    (r"\b(?:put|stick|chuck|pop|bung|upload)(?=(?:\s+\S+){0,6}?\s+(?:on|onto|up)\b)", " post "),
    (r"\bset(?:ting)?[\s-]?up\b", " setup "),
    (r"\bin front of\b", " front "),
    (r"\b(?:on|doing|during) (?:my |the )?(?:\w+ )?duty\b", " front pupil "),
    (r"\b(?:in|during) (?:the )?class(?:room)?\b|\bclass[\s-]?time\b", " lesson "),
    (r"\bmade aware\b|\blet (?:\w+ )?know\b", " report "),
    (r"\bdata protection\b|\bgdpr\b", " dataprotection "),
    (r"\bfreedom of information\b|\bfoi\b", " foi "),
    (r"\bidentity (?:theft|fraud)\b", " fraud "),
    (r"\bprivacy settings?\b", " private setting "),
    (
        r"\b(?:slag|slagging|mouth|mouthing|sound|sounding) off\b|\bbad[\s-]?mouth\w*\b",
        " criticise ",
    ),
    (r"\bthumbs? up\b", " like "),
    (r"\bkeep(?:ing)? (?:an eye|tabs) on\b|\bcheck(?:ing)? up on\b|\bsupervis\w*\b", " monitor "),
    (
        r"\b(?:said|say|says|saying|given|give|gave) (?:yes|ok|okay|permission|consent)\b",
        " permission ",
    ),
    (r"\btop(?:ping)?[\s-]?up\b", " topup "),
    (r"\bout[\s-]of[\s-]office\b|\bauto[\s-]?reply\b", " outofoffice "),
    (r"\bdress code\b", " uniform "),
    (r"\blos(?:e|ing|t) (?:my|your|their|his|her) jobs?\b", " disciplinary "),
    (r"\bgroup ?chats?\b|\bgc\b|\b(?:class|parents'?|mums'?) (?:group|chat)\b", " whatsapp group "),
    (r"\bname and shame\b|\bcall(?:ing)? (?:\w+ )?out\b", " name criticise "),
    (r"\bnight out\b|\bon the lash\b", " reputation "),
    (r"\b(?:door|gate|alarm) codes?\b|\bkey ?pad\b|\bcctv\b|\bentry system\b", " security "),
    (r"\bfell out\b|\bfalling out\b|\bargument\b|\brow with\b", " dispute "),
    # colloquial phrasings of the policies' ideas
    (r"\bface[\s-]to[\s-]face\b|\bin person\b", " inperson "),
    (r"\b\d{1,2}\s?y\.?o\b", " pupil age "),
    (r"\b(?:insta|ig|tiktok|tik tok|snap|fb|twitter|x) (?:handle|name)\b", " account "),
    (
        r"\b(?:not|isn'?t|aren'?t|without|other than) (?:using )?(?:my|your|their|his|her|our) "
        r"(?:real|own|actual) names?\b|\b(?:made[\s-]?up|fake|false|different|pretend) "
        r"(?:names?|accounts?|profiles?|identity)\b|\b(?:secret|second|spare|burner|alt) "
        r"(?:accounts?|profiles?|pages?)\b|\bunder (?:a|another) name\b",
        " anonymous alias ",
    ),
    (r"\blog[\s-]?ins?\b|\blog[\s-]?on\b|\bsign[\s-]?in\b|\baccess details\b", " password "),
    (r"\brequest(?:s|ed|ing)? to (?:follow|friend|add|connect)\b", " friend "),
    (
        r"\b(?:sent|send|sends|sending|accept\w*|ignor\w*|declin\w*|got|had|received?|"
        r"approv\w*) (?:me |him |her |them |us )?(?:an? |their |his |her |the )?"
        r"(?:friend |follow |add )?requests?\b",
        " friend ",
    ),
    (r"\bsl(?:id|ide|iding) into (?:my|your|their|his|her) (?:dms?|inbox|messages)\b", " message "),
    (r"\bpick(?:ing|ed)? on\b|\bgang(?:ing|ed)? up on\b|\bmean to\b", " bully "),
    (r"\bgo(?:ing|ne)? off on one\b|\bkick(?:ing|ed)? off\b|\bhav(?:e|ing) a go at\b",
     " criticise "),
    (r"\bhav(?:e|ing) a (?:moan|rant|whinge|dig|pop)\b|\bair(?:ing)? (?:my|our|your) "
     r"(?:views|grievances?|dirty laundry)\b", " criticise "),
    (r"\bgo(?:ing)? public\b|\bmake it public\b", " post public "),
    (
        r"\bget (?:things|it|them) moving\b|\bhurry (?:them|things|it)? ?up\b"
        r"|\bspeed(?:ing)? (?:things|it|them)? ?up\b|\bchase (?:it|them|things) up\b",
        " speed ",
    ),
    (r"\btake (?:\w+ )?to court\b|\bsu(?:e|ed|ing) (?:me|us|them|him|her)\b", " law action "),
    (r"\bwell done\b|\bshout[\s-]?outs?\b|\bbig up\b", " positive "),
    (
        r"\bwhere (?:i|you|we|they|he|she) lives?\b|\bhome address(?:es)?\b"
        r"|\bwhat (?:road|street)\b"
        r"|\b(?:my|our|your|their|his|her) (?:new )?(?:address|street|road|house|postcode)\b",
        " personal information address ",
    ),
    (r"\b(?:my|your|his|her|their|personal|home) (?:number|digits|no\.)\b", " phonenumber "),
    (
        r"\bwho(?:'s| is| are) (?:the|our|my|your)(?: [\w']+){0,3} "
        r"(?:dsls?|leads?|head(?:teacher)?s?|chair|governors?|senco|deputy|contacts?|officers?|admins?|managers?)\b"
        r"|\bwhat(?:'s| is) (?:the|their|his|her) names?\b"
        r"|\bwhat'?s (?:the |their |his |her |your |our )?[\w']+(?:'s)? (?:e-?mail(?: address)?|"
        r"(?:phone |mobile |contact )?number|extension|address)\b",
        " whois ",
    ),
    (r"\b(?:have|having|take|taking) a (?:nosey|nose|look|peek|snoop)\b|\blook(?:ing)? "
     r"(?:at|through|up)\b", " access "),
    (r"\b(?:what|worst)(?: that)? (?:could|would|will|might|can) (?:\w+ )?happen\b"
     r"|\bwhat happens\b|\bcome back on\b"
     r"|\bin hot water\b", " disciplinary "),
    (r"\b(?:look(?:ed)? at|gone over|check(?:ed)?) again\b|\bup[\s-]?to[\s-]?date\b"
     r"|\bout[\s-]?of[\s-]?date\b|\byears old\b", " review "),
    (r"\bpoint(?:ing)? (?:\w+ )?(?:to|at|towards)\b|\bsignpost\w*\b", " link "),
    (r"\bwhistle[\s-]?blow\w*\b", " whistleblowing "),
    (r"\b(?:a|the|my|their|his|her|your|any|these|those|new)\s+requests?\b|\brequests\b",
     " friend "),
    (r"\bsub[\s-]?tweet\w*\b|\bvague[\s-]?post\w*\b", " twitter criticise "),
    (r"\bw(?:ound|ind|inds|inding) (?:me|us|them|him|her) up\b|\bhacked off\b|\bfed up\b",
     " criticise "),
    (r"\bpermission (?:forms?|slips?)\b|\bconsent (?:forms?|slips?)\b", " permission "),
    (r"\bxbox live\b|\bplay ?station network\b|\bpsn\b|\bonline games?\b", " gaming "),
    (r"\bred card\b|\byellow card\b|\bdetention\b|\btold off\b|\bsent out\b",
     " personal matter "),
    (r"\b(?:cop(?:y|ying|ied)|cut(?:ting)?) and past(?:e|ed|ing)\b", " copyright "),
    (r"\bopen(?:ed)? (?:an? |their |his |her )?accounts?\b|\bsign(?:ed|ing)? up\b",
     " account setup "),
)
# One pass for all phrases: an alternation of named groups, earlier phrases first. Every
# phrase starts at the start of a word; testing that once up front skips mid-word positions
# and word ends fast (about half the cost of indexing the FAQ files).
_PHRASE_RE = re.compile(
    r"\b(?=\w)(?:"
    + "|".join(f"(?P<p{i}>{pattern})" for i, (pattern, _) in enumerate(_PHRASES))
    + ")"
)
_PHRASE_REPLACEMENTS = {f"p{i}": replacement for i, (_, replacement) in enumerate(_PHRASES)}


def _replace_phrase(match: re.Match[str]) -> str:
    return _PHRASE_REPLACEMENTS[match.lastgroup or ""]

def stem(word: str) -> str:
    """A light English stemmer: plurals, -ing, -ed, -ly and a final -e; the same on both sides."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith(("sses", "xes", "ches", "shes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ingly", "edly", "ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]  # "chatting" -> "chat"
            break
    if word.endswith("ly") and len(word) >= 6:
        word = word[:-2]
    if word.endswith("e") and len(word) >= 5:
        word = word[:-1]
    return word


# Word -> concept(s). Keys are folded surface forms or stems; values are the terms emitted.
_SOCIAL = "socialmedia"
_WORDS: dict[str, tuple[str, ...]] = {}


def _map(concept: str | tuple[str, ...], *words: str) -> None:
    value = (concept,) if isinstance(concept, str) else concept
    for word in words:
        _WORDS[word] = value
        _WORDS.setdefault(stem(word), value)


_map("parent", "parent", "mum", "mom", "mam", "mummy", "mommy", "dad", "daddy", "mother",
     "father", "carer", "guardian", "stepmum", "stepdad", "grandparent", "nan", "grandma",
     "grandad", "parental", "mums", "dads", "moms", "mothers", "fathers")
_map("pupil", "pupil", "child", "children", "kid", "kiddo", "student", "boy", "girl", "son",
     "daughter", "reception", "childs", "learner", "youngster", "yr6s", "y6s", "y5s", "chil")
_map("staff", "staff", "employee", "ta", "tas", "lsa", "hlta", "colleague", "workmate",
     "coworker", "nqt", "ect", "midday", "caretaker", "receptionist", "bursar", "senco",
     "slt", "smt", "deputy")
_map("staff", "teacher", "teach", "teaching", "miss", "mrs", "mr", "sir")
_map("headteacher", "headteacher", "head", "ht", "headmaster", "headmistress", "principal",
     "hteacher", "headteach")
_map("dsl", "dsl", "safeguarding")
_map("governor", "governor", "chair", "cog", "governing", "trustee")
_map("volunteer", "volunteer", "helper", "voluntary")
_map("pta", "pta", "ptfa", "fots")
_map(("facebook", _SOCIAL), "facebook", "fb", "faceboook", "facebok", "messenger")
_map(("instagram", _SOCIAL), "instagram", "insta", "ig", "gram", "instagrm")
_map(("snapchat", _SOCIAL), "snapchat", "snapchats")
_map(("photo", _SOCIAL), "snap")
_map(("tiktok", _SOCIAL), "tiktok", "tiktoks")
_map(("whatsapp", _SOCIAL), "whatsapp", "whatsap", "watsapp", "wa")
_map(("twitter", _SOCIAL), "twitter", "tweet", "retweet", "twitter's")
_map(("youtube", _SOCIAL), "youtube", "yt", "vlog", "vlogger", "youtuber")
_map(("linkedin", _SOCIAL), "linkedin")
_map(_SOCIAL, "socialmedia", "pinterest", "reddit", "threads", "bluesky", "mastodon",
     "myspace", "tumblr", "flickr", "discord", "twitch", "bereal", "platform", "app", "apps",
     "network", "networking")
_map(("gaming", _SOCIAL), "gaming", "game", "games", "gamer", "xbox", "playstation", "ps4",
     "ps5", "nintendo", "fortnite", "roblox", "minecraft", "console")
_map("blog", "blog", "blogs", "weblog", "weblogs", "blogger", "blogging", "blogged")
_map("friend", "friend", "befriend", "add", "follow", "follower", "following", "accept",
     "friendship", "mate", "mates", "pal", "buddy", "connect", "connection", "unfriend",
     "unfollow")
_map("photo", "photo", "photograph", "pic", "pix", "picture", "image", "selfie", "snapshot",
     "foto")
_map(("video", "photo"), "video", "vid", "clip", "footage", "film", "filming", "recording")
_map("post", "post", "upload", "posting", "repost", "publish", "publication", "story",
     "stories", "reel", "reels", "status", "caption", "livestream", "tag", "tagging", "tagged")
_map("contact", "contact", "communicate", "communication", "message", "messaging", "dm", "pm",
     "inbox", "text", "texting", "chat", "chatting", "talk", "snapchatting", "call", "ring",
     "facetime", "correspond")
_map("phone", "phone", "mobile", "cellphone", "iphone", "smartphone", "telephone", "android")
_map("email", "email", "gmail", "hotmail", "outlook", "yahoo")
_map("complaint", "complaint", "complain", "moan", "grievance", "rant", "whinge", "grumble",
     "vent", "venting")
_map("concern", "concern", "worry", "worried", "issue", "problem", "unhappy", "upset",
     "frustrated", "frustration", "annoyed", "angry", "cross", "furious", "fuming", "query")
_map("criticise", "criticise", "criticize", "criticism", "critical", "slate", "slag", "diss",
     "dig", "digs", "rubbish", "useless", "negative", "derogatory", "insult", "mock",
     "sarcastic", "snarky", "snide", "sarky", "bitchy", "catty", "dissing")
_map("bully", "bully", "bullying", "bullied", "cyberbully", "cyberbullying", "harass",
     "harassment", "troll", "trolling", "intimidate", "abuse", "abusive")
_map("defame", "defame", "defamatory", "defamation", "libel", "libellous", "slander",
     "slanderous", "lie", "lies", "untrue", "false", "fictitious", "lying", "liar")
_map("permission", "permission", "consent", "approval", "approve", "permit", "authorise",
     "authorize", "agree")
_map("private", "private", "privacy", "locked", "lock", "hidden")
_map("logo", "logo", "crest", "badge", "emblem", "branding", "brand")
_map("breach", "breach", "break", "broke", "broken", "violate", "violation", "disobey",
     "misuse", "misusing")
_map("disciplinary", "disciplinary", "discipline", "sack", "sacked", "fired",
     "dismiss", "dismissal", "punish", "punishment", "sanction", "consequence", "trouble")
_map("lesson", "lesson", "class-time", "assembly", "registration", "teaching-time")
_map("report", "report", "tell", "inform", "notify", "flag", "escalate", "raise", "aware")
_map("law", "law", "legal", "legislation", "statute", "lawful", "unlawful", "legally")
_map("racist", "racist", "racism", "racial", "race")
_map("threat", "threat", "threaten", "threatening", "violence", "violent")
_map("password", "password", "login", "logins", "credential", "passcode")
_map("birthday", "birthday", "birth", "birthdate")
_map("age", "age", "aged", "underage")
_map("fraud", "fraud", "theft", "hack", "hacked", "hacker", "scam", "phishing", "scammer")
_map("share", "share", "sharing", "forward", "circulate", "spread")
_map("setup", "setup", "create", "creation", "launch", "establish")
_map("anonymous", "anonymous", "anonymously", "alias", "nickname", "pseudonym", "fake",
     "burner", "username")
_map("employee", "employee", "employer", "employment", "employed", "job", "workplace")
_map("equipment", "equipment", "laptop", "ipad", "tablet", "computer", "pc", "chromebook",
     "device", "desktop")
_map("reputation", "reputation", "disrepute", "reputational", "embarrass", "embarrassing",
     "drunk", "alcohol", "booze", "wasted", "hungover", "naked", "compromising", "swear",
     "swearing", "nsfw", "explicit", "bikini", "partying", "hangover")
_map("controversial", "controversial", "inflammatory", "objectionable", "political", "politics",
     "protest", "religion", "religious", "extremist")
_map("views", "views", "opinion", "opinions")
_map(("views", "personal"), "disclaimer", "disclaimers")
_map("profile", "bio", "bios")
_map("share", "gossip", "gossiping")
_map("event", "event", "fair", "fete", "disco", "nativity", "concert", "performance",
     "sportsday", "trip", "party", "panto", "pantomime")
_map("silent", "silent", "silence", "loud", "vibrate", "mute", "ringer")
_map("mention", "mention", "refer", "reference", "name-drop", "namedrop")
_map("identify", "identify", "identifiable", "identifying", "recognisable", "recognizable")
_map("internet", "internet", "web", "browse", "browsing", "google", "surf", "surfing")
_map("comment", "comment", "reply", "respond", "response", "remark")
_map("police", "police", "cops", "copper")
_map("newsletter", "newsletter")
_map("time", "time", "times", "hours", "hour")
_map("outsidehours", "night", "nights", "evening", "evenings", "weekend", "weekends")
_map("setting", "setting", "settings")
_map("monitor", "monitor", "monitoring", "watch", "supervise", "oversee", "check")
_map("remove", "remove", "delete", "deletion", "removal", "takedown")
_map("like", "liking", "liked", "likes", "hearted", "react", "reaction")
_map("friend", "folow", "followed", "followers", "freind",
     "frend", "freinds", "frends", "fren", "friended", "friending", "accepted")
_map(("instagram", _SOCIAL), "instergram", "instagramm", "intagram", "instagaram", "instgram",
     "insragram", "instabook")
_map(("facebook", _SOCIAL), "facbook", "facebk", "facebooks", "fbook", "meta")
_map(("snapchat", _SOCIAL), "snapchap", "snpchat", "snapchatted", "snapped", "snaps")
_map(("tiktok", _SOCIAL), "tiktoc", "tictoc", "ticktock", "tiktoker")
_map(("whatsapp", _SOCIAL), "whatsup", "watsap", "whatapp", "whatsapped", "whatsaps")
_map(("twitter", _SOCIAL), "twiter", "twitt", "tweeted", "tweets", "tweeting")
_map(("youtube", _SOCIAL), "youtub", "utube", "youtubes")
_map(_SOCIAL, "socmed", "socials", "feed", "timeline", "hashtag", "viral", "influencer",
     "followersocial")
_map("contact", "msg", "msgs", "messages", "messaged", "messenger", "dms", "pms", "texted",
     "texts", "emailed", "phoned", "rang", "contacted", "contacting")
_map("photo", "pics", "piccies", "pictures", "photos", "fotos", "photographs", "photographed",
     "photographing", "images", "camera", "cameras", "face", "faces", "snapshot")
_map(("video", "photo"), "vids", "videos", "filmed", "recorded", "livestreamed")
_map("parent", "family", "families", "parents", "carers", "guardians", "mummy's")
_map("family", "niece", "nephew", "cousin", "relative", "relatives", "godchild", "godson",
     "goddaughter", "grandson", "granddaughter", "grandchild", "grandkid", "stepson",
     "stepdaughter", "relation", "related")
_map("pupil", "kids", "kiddies", "pupils", "students", "leaver", "leavers", "lad", "lass",
     "youngster", "youngsters", "tot", "toddler", "infant", "baby", "10yo", "9yo", "8yo")
_map("staff", "teachers", "colleagues", "staffroom", "staffs", "supply",
     "agency", "trainee")
_map("headteacher", "heads", "hteachers")
_map("inappropriate", "inappropriate", "inappropriately", "offensive", "dodgy", "nasty", "graphic",
     "obscene", "vile", "disgusting", "unsuitable", "unacceptable", "rude", "horrible", "sexist",
     "homophobic", "sexual", "porn", "pornographic", "iffy")
_map("illegal", "illegal", "illegally", "drug", "drugs", "weed", "spliff", "cannabis", "cocaine",
     "crime", "criminal", "unlawfully")
_map("coerce", "coerce", "coercion", "manipulate", "manipulation", "pressure", "pressurise",
     "pressurize", "pushy", "blackmail", "bribe", "force")
_map("medical", "medical", "medic", "condition", "diabetic", "diabetes", "epilepsy", "epileptic",
     "insulin", "glucose", "health", "emergency", "pregnant", "pregnancy")
_map("sight", "sight", "drawer", "pocket", "handbag", "bag", "cupboard")
_map("learning", "learning", "learn", "educational", "education", "topic", "project", "science",
     "maths", "literacy", "phonics", "research")
_map("form", "form", "forms", "paperwork", "proforma", "log")
_map("confidential", "confidential", "confidentiality", "sensitive", "secret", "secrets",
     "internal", "register", "records", "classified")
_map("allegation", "allegation", "allegations", "allege", "alleged", "alleging", "accuse",
     "accused", "accusing", "accusation", "rumour", "rumours", "rumor", "claims", "claiming")
_map("positive", "positive", "positively", "praise", "praising", "celebrate", "celebrating",
     "congratulate", "congrats", "proud", "lovely", "compliment", "compliments", "supportive",
     "beneficial", "benefit", "benefits")
_map("law", "court", "sue", "suing", "sued", "lawyer", "solicitor", "prosecute", "prosecuted",
     "prosecution", "liable", "libel")
_map("access", "access", "accessing", "accessed", "nosey", "nosy", "snoop", "snooping", "stalk",
     "stalking", "lurk", "lurking", "view", "viewing", "visit", "scroll", "scrolling")
_map("speed", "speed", "speeding", "hurry", "quicker", "faster", "chase", "chasing")
_map("information", "information", "info", "details", "detail", "data")
_map("address", "address", "addresses", "street", "postcode")
_map("block", "block", "blocked", "blocking", "ban", "banned", "restrict", "restricted")
_map("whistleblowing", "whistleblowing", "whistleblower", "whistleblow")
_map("copyright", "copyright", "plagiarise", "plagiarism")
_map("criticise", "moan", "moaning", "ranting", "rant", "whinge", "whinging", "complaining",
     "shambles", "terrible", "awful", "rubbish", "crap", "pathetic", "incompetent", "hopeless",
     "livid", "useless", "disgrace", "chaotic", "shambolic", "disorganised",
     "disaster")
_map("review", "review", "reviewed", "ancient", "refreshed", "outdated", "obsolete", "revised")
_map("email", "hotmail", "gmail", "icloud", "googlemail")

STOP_WORDS = frozenset(
    _words(
        """
        a about above after again against all am an and any are aren as at be because been
        before being below between both but by can cannot could couldn did didn do does doesn
        doing don down during each few for from further had hadn has hasn have haven having he
        her here hers herself him himself his how i if in into is isn it its itself just let ll
        me might mightn more most must mustn my myself need needn no nor not now of off on once
        only or other ought our ours ourselves out over own re s same shan she should shouldn so
        some such t than that the their theirs them themselves then there these they this those
        through to too under until up ve very was wasn we were weren what when where which while
        who whom why will with won would wouldn y you your yours yourself yourselves d m o ma hi
        hey hello please pls plz thanks thank thx ta cheers ok okay okey yes yeah yep no nope
        lol haha also really actually quick quickly anyone someone somebody something anything
        thing things stuff bit lot lots allowed allow alright fine fine going gonna wanna gotta
        get got getting go goes went want wanted wants know knows like say says said tell us im
        ive id dont doesnt cant isnt wont whats hes shes theyre thats theres u ur r guys
        everyone one would may might shall ever even still already much many way else think
        thought wondering wonder mean help advice sure right wrong able new use used using using
        make made makes does do yet well done keep kept another thinking wanted try trying told
        asked ask asking question questions bit little since ago today tomorrow yesterday
        sometimes always usually often okay anyway though although however basically literally
        honestly probably maybe perhaps definitely totally seem seems seemed feel felt put take
        took give gave see saw look looking looked come came find found
        """
    )
)
_CHATTER = _words(
    """
    ago back heard hear hearing nothing everything week weeks month months lol omg tbh tbf btw
    idk imo haha hmm erm um xx xxx kinda sorta loads load whole guy bloke lady surely tho
    supposed meant bother mind matter worth bc cos coz cuz abit alot literally apparently
    currently recently reckon guess suppose happen happened happens happening fix sorted
    send sent sends sending
    """
)
STOP_WORDS = STOP_WORDS | frozenset(_CHATTER)
# "tell" and "ta" are concepts too; keep them out of the stop list.
STOP_WORDS = STOP_WORDS - {"tell", "ta"}

# Concepts a social media policy is about: a question with none of these and little overlap
# with the policy is probably about something else. STRONG terms are about being online on
# their own; the others ("post", "photo", "complaint") also name things a school does offline.
_STRONG_WORDS = {
    _SOCIAL, "facebook", "instagram", "snapchat", "tiktok", "whatsapp", "twitter", "youtube",
    "linkedin", "gaming", "blog", "friend", "online", "internet", "website", "profile",
    "password", "googleclassroom", "esafety", "like", "anonymous", "email",
}
_WEAK_WORDS = {
    "photo", "video", "post", "contact", "site", "account", "page", "group", "comment", "share",
    "private", "logo", "defame", "bully", "criticise", "complaint", "phone", "tag", "fraud",
    "report", "monitor", "inappropriate", "illegal", "allegation", "confidential", "coerce",
    "reputation", "access", "personal", "information", "whistleblowing", "copyright", "block",
    "phonenumber",
}
# Every concept the vocabulary maps words and phrases to: the words a question is about.
# Platforms: each also emits ``socialmedia``, so a rule about social media in general
# partly explains a question about one platform.
PLATFORMS = frozenset(
    mapped[0] for mapped in _WORDS.values()
    if len(mapped) == 2 and mapped[1] == _SOCIAL and mapped[0] != "photo"  # "snap"
)
CONCEPTS = frozenset(
    {term for mapped in _WORDS.values() for term in mapped}
    | {term for _, replacement in _PHRASES for term in replacement.split()}
)
STRONG_DOMAIN = frozenset({*_STRONG_WORDS, *map(stem, _STRONG_WORDS)})
DOMAIN = frozenset({*STRONG_DOMAIN, *_WEAK_WORDS, *map(stem, _WEAK_WORDS)})

# Who and where: a question whose only matched terms are these says nothing about what.
GENERIC = frozenset(
    stem(word)
    for word in _words(
        """
        school pupil parent staff headteacher time policy class governor year day people person
        work week term someone anyone everyone askleave
        """
    )
)

# School life outside a social media policy. Weighed as heavily unexplained when a question
# uses them and the matched clause or entry does not.
_OUT_OF_DOMAIN_WORDS = _words(
    """
    dinner menu meal packed canteen lunchbox uniform jumper cardigan shoes pe swimming
    holiday inset closure snow absence absent sick illness poorly attendance lateness
    appointment evacuation drill alarm photocopier photocopy printer laminator stapler toner
    wifi parking carpark salary payslip payroll pension annual overtime timetable rota
    finish homework spellings nits lice vaccination nurse medicine medication admission
    ofsted curriculum sen ehcp sats exam parentpay topup balance price fee fees club
    wraparound jewellery earrings piercing lost property heating radiator repair maintenance
    outofoffice calendar diary agenda appraisal observation ppa marking playground coat bus
    taxi lanyard dbs allergy allergies asthma inhaler epipen tuck sandwich cook kitchen
    dentist doctor haircut haircuts lunch lunches dress weather football recipe reset senco
    club breakfast
    money cash cost costs payment payments refund cheque invoice photographer
    whois parcel parcels stamp stamps postage courier delivery dog dogs cat cats puppy kitten
    pet pets hamster rabbit guinea horse parentmail schoolcomms arbor sims install crash crashes
    crashing glitch update updates download reinstall printer printing
    """
)
OUT_OF_DOMAIN = frozenset(stem(word) for word in _OUT_OF_DOMAIN_WORDS)
# What the question asks for, from the phrases above: a price, a fix, a password reset, a name.
# A match that does not explain one of these is no answer, however much else it shares.
ADMIN_INTENTS = frozenset(stem(word) for word in (
    "price", "glitch", "reset", "whois", "whendate"))


# What a question asks to do, from its concepts: befriend someone, post something, complain,
# report, use a phone in lessons... A rule about the same action answers it better than a
# neighbouring rule that shares its who and where ("follow a dad" is not "criticise a dad").
# Listed most telling first: in "a colleague posts pupils' photos, who do I tell?" the question
# is who to report to, the posting is its context.
INTENTS: dict[str, frozenset[str]] = {
    intent: frozenset(concepts.split())
    for intent, concepts in {
        "report": "report whistleblowing",
        "discipline": "disciplinary breach law police",
        "lesson": "lesson breaktime sight silent outsidehours",
        "access": "access monitor internet block",
        "bully": "bully threat racist coerce allegation",
        "criticise": "criticise complaint concern defame views controversial dispute",
        "connect": "friend contact phonenumber email inperson",
        "identify": "identify mention address",
        "photo": "photo video",
        "post": "post share blog upload",
        "account": "password setup anonymous alias",
    }.items()
}
_INTENT_OF = {concept: intent for intent, concepts in INTENTS.items() for concept in concepts}
_INTENT_ORDER = {intent: position for position, intent in enumerate(INTENTS)}


def intents(text_terms: Iterable[str]) -> tuple[str, ...]:
    """The intents (keys of :data:`INTENTS`) whose concepts ``text_terms`` use, most telling
    first."""
    found = {_INTENT_OF[term] for term in text_terms if term in _INTENT_OF}
    return tuple(sorted(found, key=_INTENT_ORDER.__getitem__))


_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_FOLD = str.maketrans({"\u2018": "'", "\u2019": "'", "`": "'", "\u2013": " ", "\u2014": " "})


def _prepare(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_FOLD).lower()
    text = re.sub(r"[*_#]", " ", text)
    return _PHRASE_RE.sub(_replace_phrase, text)


@lru_cache(maxsize=8192)
def _word_terms(word: str) -> tuple[str, ...]:
    if word.endswith("'s"):
        word = word[:-2]
    word = word.replace("'", "")
    mapped = _WORDS.get(word)  # a concept word wins over a stop word ("when" -> time)
    if mapped is None and word in STOP_WORDS:
        return ()
    if mapped is None:
        stemmed = stem(word)
        if stemmed in STOP_WORDS:
            return ()
        mapped = _WORDS.get(stemmed, (stemmed,))
    return mapped


def terms(text: str) -> list[str]:
    """Index terms of ``text`` (a question or a clause), in order, repeats kept."""
    return list(_text_terms(text))


@lru_cache(maxsize=4096)  # a clause cited by several FAQ entries is folded once
def _text_terms(text: str) -> tuple[str, ...]:
    out: list[str] = []
    for word in _WORD.findall(_prepare(text)):
        out.extend(_word_terms(word))
    return tuple(out)


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


class Speller:
    """Corrects a term at edit distance one (symmetric deletes) to a known one, if unambiguous.

    Known terms are the index's terms and the vocabulary's surface words: "folow"
    becomes ``friend`` (via "follow"), "safegaurding" ``dsl``. Short words,
    numbers and out-of-domain words are never corrected: "lunch" must not become
    "launch".
    """

    MIN_LENGTH = 5

    def __init__(self, known: Iterable[str]) -> None:
        self._known = frozenset(known)
        self._by_delete = _delete_index(self._known)
        self._aliases = _alias_index()

    @staticmethod
    def _candidates(term: str, index: dict[str, set[str]], words: Container[str]) -> set[str]:
        candidates = {v for v in _deletes(term) if v in words}  # one letter too many
        candidates |= index.get(term, set())  # one letter missing
        for variant in _deletes(term):  # one letter wrong or two swapped
            candidates |= index.get(variant, set())
        candidates.discard(term)
        return candidates

    def correct(self, term: str) -> tuple[str, ...]:
        """The term(s) ``term`` stands for: itself, or the one correction it has."""
        if term in self._known or len(term) < self.MIN_LENGTH or not term.isalpha():
            return (term,)
        if term in OUT_OF_DOMAIN or term in STOP_WORDS:
            return (term,)
        corrections: set[tuple[str, ...]] = {
            (word,) for word in self._candidates(term, self._by_delete, self._known)
        }
        if len(term) > self.MIN_LENGTH:  # vocabulary words correct only longer terms
            aliases = self._candidates(term, self._aliases, _WORDS)
            corrections |= {_WORDS[word] for word in aliases if word not in self._known}
        return corrections.pop() if len(corrections) == 1 else (term,)


def _delete_index(words: Iterable[str]) -> dict[str, set[str]]:
    index: dict[str, set[str]] = {}
    for word in words:
        if len(word) >= Speller.MIN_LENGTH - 1 and word.isalpha():
            for variant in _deletes(word):
                index.setdefault(variant, set()).add(word)
    return index


@lru_cache(maxsize=1)
def _alias_index() -> dict[str, set[str]]:
    """The vocabulary's own words (five letters or more), by their one-letter deletions."""
    return _delete_index(word for word in _WORDS if len(word) >= Speller.MIN_LENGTH)


def known_word(word: str) -> bool:
    """Whether the vocabulary maps ``word`` (or its stem) to a concept."""
    return word in _WORDS or stem(word) in _WORDS
