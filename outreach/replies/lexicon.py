"""The words and phrases the bot recognises in a household's reply, all in one place.

Written for the team as much as for programmers. To teach the bot a new way of saying "yes", add
it to the right list below, spelled the way people write it. Case, accents, apostrophes,
punctuation, emoji and repeated letters do not matter ("Ouiii !" reads as "oui", "ARRÊT" as
"arret"), so write each phrase once, plainly. Commas or new lines separate phrases.

How the lists are used (outreach/replies/intents.py does the reading):
- PHRASES are found anywhere in a reply, as whole words: "pas dispo" is found in "non pas dispo
  merci". When phrases overlap, the longest wins: "je ne suis plus d'accord" withdraws consent, it
  is not the "d'accord" of a yes.
- ALONE_ONLY words count only when they are the whole reply (politeness words aside): "en" is
  English when someone answers just "EN", but it is also a French word inside a sentence.
- STOP_KEYWORDS and RESTART_KEYWORDS are the opt-out rule. Change them only with the team: they
  decide who stops receiving messages.
- FILLER words carry no meaning of their own (greetings, thanks, "s'il vous plaît"); NEGATIONS turn
  a sentence around; HEDGES (the "ambiguous" list) mean the person is unsure.

Then add the reply and what it should mean to tests/test_intents.py.
"""

from __future__ import annotations

# --- The opt-out rule --------------------------------------------------------------------------
# A reply that is only one of these (any case, accents, spaces, punctuation or emoji around it)
# opts the household out. A longer sentence containing the first word of one ("stop les visites
# ?") goes to a person instead. Same list as outreach/replies/optout.py, plus the Arabic words, so
# that a household writing in Arabic can stop as easily.
STOP_KEYWORDS = """
    stop, stop sms, stop all, stopall, arrêt, arrêt sms, arrêter, unsubscribe,
    توقف, إيقاف
"""

# A reply that is only one of these opts a household back in after a STOP.
RESTART_KEYWORDS = """
    start, start sms, unstop, reprendre
"""
# This also restarts an opted-out household, but otherwise it simply means "yes".
RESTART_KEYWORDS_THAT_MEAN_YES = """
    oui
"""

# --- What each intent sounds like --------------------------------------------------------------
# intent -> language -> phrases. The language is only for reading the lists; a reply in any
# language is matched against all of them.
PHRASES: dict[str, dict[str, str]] = {
    "yes": {
        "fr": """
            oui, ouais, ouai, ouaip, ouep, oué, wui, oiu, ok, okay, oki, okey, oké, okai,
            d'accord, daccord, d'accor, daccor, dacor, dac, dak, d'acc, dacc, d'ac,
            bien sûr, biensur, bien sure, évidemment, volontiers, avec plaisir, entendu,
            c'est bon, c bon, cbon, ça marche, ca marche, sa marche, ça me va, sa me va,
            ça me convient, ça me va très bien, parfait, très bien, super, nickel, top, génial,
            cool, go, je confirme, confirmé, confirmée, confirme, je suis d'accord,
            je veux bien, veux bien, pourquoi pas, pas de souci, pas de soucis, pas de problème,
            pas de pb, sans problème, sans souci, aucun problème, aucun souci, tout à fait,
            exactement, absolument, c'est noté, noté, bien reçu, reçu, je vous attends,
            je serai là, je serai présent, je serai présente, je serai dispo, je suis dispo,
            je suis disponible, dispo, disponible, à demain, vas-y, allez-y, j'accepte, accepte,
            avec grand plaisir, ça roule, carrément, mais oui, mais bien sûr, oki doki, okidoki,
            ok pour moi, c'est ok, c ok
        """,
        "en": """
            yes, yeah, yep, yup, yea, sure, of course, fine, alright, all right, sounds good,
            good, great, perfect, i agree, agreed, confirmed, no problem, no worries, i accept,
            see you
        """,
        "ar": """
            نعم, أيوه, ايوا, إيه, آه, أكيد, طبعا, موافق, موافقة, حسنا, تمام, ماشي, أوكي,
            واخا, مزيان, مرحبا بكم,
            wakha, wah, iyeh, na3am, safi, mezyan
        """,
    },
    "no": {
        "fr": """
            non, nan, nope, non merci, pas dispo, pas disponible, indisponible, pas libre,
            je peux pas, je ne peux pas, j'peux pas, peux pas, pas possible, impossible,
            pas intéressé, pas intéressée, pas interessé, ça m'intéresse pas,
            ça ne m'intéresse pas, pas d'accord, jamais, certainement pas, surtout pas,
            pas besoin, pas besoin d'aide, besoin de rien, pas la peine, je refuse, refuse,
            négatif, mais non, ça ira, ça va aller, non ça va, non merci ça va, non je veux pas,
            non je ne veux pas, c'est pas la peine
        """,
        "en": """
            no, no thanks, no thank you, not interested, i can't, can't, cannot, not available,
            not possible, no way, never
        """,
        "ar": """
            لا, لا شكرا, لا أريد, ما بدي, مش ممكن, غير ممكن, مستحيل, ما نقدرش, لا نريد,
            la2, la shukran
        """,
    },
    "change": {
        "fr": """
            changer, changer le rdv, changer de date, changer la date, changer d'heure,
            modifier, modifier le rdv, décaler, reporter, déplacer, repousser, un autre jour,
            une autre date, un autre créneau, un autre horaire, une autre heure,
            un autre moment, autre date, autre jour, autre créneau, autre horaire, plus tard,
            un autre rdv, un autre rendez-vous, aucun ne me va, aucune ne me va, aucun me va,
            aucune me va, aucun ne me convient, aucune ne me convient, aucune date,
            aucun créneau, aucun de ces créneaux, ces dates me vont pas, ça me va pas,
            ne me va pas, ne me convient pas, pas ces dates
        """,
        "en": """
            reschedule, change the date, change the time, change the appointment,
            change the visit, another day, another time, another date, move the appointment,
            move the visit, later
        """,
        "ar": """
            تغيير, تغيير الموعد, غير الموعد, موعد آخر, يوم آخر, تأجيل, أجل الموعد
        """,
    },
    "cancel": {
        "fr": """
            annuler, annulez, annulation, j'annule, annule le rdv, annule le rendez-vous,
            annulez le rdv, je ne serai pas là, je serai pas là, j'serai pas là,
            je ne serai pas disponible, je serai pas dispo, je ne pourrai pas être là,
            je pourrai pas être là, je serai absent, je serai absente, je ne serai pas chez moi,
            je serai pas chez moi, annulé, annulée
        """,
        "en": """
            cancel, cancel the visit, cancel the appointment, i won't be there,
            i will not be there, i can't make it
        """,
        "ar": """
            إلغاء, إلغاء الموعد, ألغي, الغوا الموعد, لن أكون موجود, لن أكون في البيت,
            ما راح أكون
        """,
    },
    "call_me": {
        "fr": """
            appelez-moi, appelle-moi, appelez, rappelez-moi, rappelle-moi, rappelez, rappel,
            m'appeler, me rappeler, m'appelez, m'appeller, me appeler, un appel, appel svp,
            téléphonez-moi, téléphone-moi, tel moi, coup de fil, passez-moi un coup de fil,
            appelez-moi plus tard, rappelez-moi plus tard, rappelez-moi demain
        """,
        "en": """
            call me, call me back, please call, give me a call, phone me, ring me, call back,
            call me later
        """,
        "ar": """
            اتصل بي, اتصلوا بي, اتصلو بي, اتصلي بي, كلمني, كلموني, عيط لي, اتصال,
            3ayet li
        """,
    },
    "help": {
        "fr": """
            qui êtes-vous, vous êtes qui, c'est qui, c qui, qui est-ce, qui c'est,
            c'est quoi, c quoi, cest quoi, késako, c'est pour quoi, c'est pourquoi, pourquoi,
            pourquoi ce message, de quoi s'agit-il, de quoi il s'agit, c'est à quel sujet,
            comment ça marche, comment ça fonctionne, je comprends pas, je ne comprends pas,
            comprends pas, pas compris, j'ai pas compris, je n'ai pas compris,
            c'est gratuit, c'est payant, ça coûte combien, combien ça coûte, c gratuit,
            quelle association, quel organisme, quelle structure, vous êtes de quelle association,
            comment vous savez, comment vous connaissez, qui vous envoie
        """,
        "en": """
            who are you, who is this, what is this, what's this, what is it,
            how does it work, i don't understand, don't understand
        """,
        "ar": """
            من أنتم, من أنت, مين انتم, شكون نتوما, ما هذا, شو هذا, ايش هذا, شنو هذا,
            لم أفهم, ما فهمت, مافهمتش
        """,
    },
    "need_help": {
        "fr": """
            besoin d'aide, aidez-moi, aidez-nous, aide-moi, aidez moi svp, pouvez-vous m'aider,
            vous pouvez m'aider, m'aider, au secours, sos, à l'aide, je suis perdu,
            je suis perdue, je m'en sors pas, je m'en sors plus, j'y arrive pas,
            j'arrive pas à payer, je n'arrive pas à payer, je peux pas payer,
            je ne peux pas payer, en difficulté, situation difficile, besoin d'un coup de main
        """,
        "en": """
            help me, i need help, need help, please help, can you help me
        """,
        "ar": """
            ساعدوني, ساعدني, أحتاج مساعدة, محتاج مساعدة, بحاجة لمساعدة, بحاجة إلى مساعدة,
            عاوني, عاونوني
        """,
    },
    "consent_withdrawn": {
        "fr": """
            je ne suis plus d'accord, je suis plus d'accord, plus d'accord, je retire mon accord,
            je retire mon consentement, retirer mon consentement, retrait de mon consentement,
            j'annule mon accord, supprimez mes données, effacez mes données,
            supprimer mes données, suppression de mes données
        """,
        "en": """
            i withdraw my consent, withdraw my consent, withdraw consent, i no longer agree,
            i don't agree anymore, delete my data, erase my data
        """,
        "ar": """
            لم أعد موافق, لم أعد موافقا, لم أعد موافقة, أسحب موافقتي, احذفوا بياناتي,
            امسحوا معلوماتي
        """,
    },
    # Always read by a person: asking for one, anger, suspicion, and words that signal an
    # emergency or a procedure step the team must know about now.
    "human": {
        "fr": """
            parler à quelqu'un, parler a une personne, parler à un humain, un humain, humain,
            une vraie personne, vraie personne, un conseiller, une conseillère,
            assistante sociale, assistant social, travailleur social, travailleuse sociale,
            huissier, commissaire de justice, expulsion, expulsé, expulsée, expulser, police,
            gendarme, gendarmes, gendarmerie, serrurier, serrure, serrures, tribunal, juge,
            audience, avocat, plainte, hôpital, hospitalisé, hospitalisée, urgence, urgent,
            décès, décédé, suicide, me tuer, violence, violent, menace, menaces, menacé,
            à la rue, sans abri, sdf,
            arnaque, arnaqueur, escroc, escroquerie, spam, harcèlement, harceler, harcelez,
            laissez-moi tranquille, foutez-moi la paix, arrêtez, arrête,
            je ne veux plus, je veux plus, veux plus, ne plus recevoir, plus de messages,
            plus de sms, désinscrire, désabonner, avez eu mon numéro, eu mon numéro,
            avez mon numéro, connard, connasse, con, conne, putain, pute, merde, ta gueule,
            ftg, nique, niquer, ntm, fdp, enculé, salope, salaud, bâtard, abruti, débile,
            foutre, insulte
        """,
        "en": """
            talk to someone, speak to someone, speak to a person, real person, a human,
            eviction, evicted, bailiff, court, lawyer, emergency, hospital, scam, scammer,
            leave me alone, got my number, fuck, fucking, shit, asshole, idiot
        """,
        "ar": """
            التحدث مع شخص, شخص حقيقي, موظف, مساعدة اجتماعية, الشرطة, المحكمة, محامي, طرد,
            الطرد, مستعجل, المستشفى, نصاب, احتيال, تحرش, كلب, حمار
        """,
    },
    # Hedges: the person is unsure, or says yes and no at once. Always asked again.
    "ambiguous": {
        "fr": """
            mais, sauf, peut-être, peut être, ptet, ptetre, je sais pas, je ne sais pas, jsp,
            sais pas, pas sûr, pas sûre, j'hésite, hésite, peu importe, n'importe,
            comme vous voulez, on verra, à voir
        """,
        "en": """
            but, except, maybe, perhaps, not sure, i don't know, dunno, whatever
        """,
        "ar": """
            ربما, يمكن, لكن, لا أعرف, ما بعرف, مش عارف, إن شاء الله, inchallah, inshallah
        """,
    },
}

# Words that mean something only when they are the whole reply (politeness words aside).
ALONE_ONLY: dict[str, str] = {
    "yes": "k, kk, si, wi, ui, we, wé, ya",
    "no": "n, nn",
    "change": "change, modif",
    "help": "aide, help, info, infos, information, quoi, hein, مساعدة",
}

# Choosing a language. Phrases are found anywhere ("je parle arabe", "english please");
# the short codes only when they are the whole reply ("EN").
LANGUAGE_NAMES: dict[str, str] = {
    "fr": """
        français, en français, french, in french, فرنسي, الفرنسية, بالفرنسي, بالفرنسية
    """,
    "en": """
        english, anglais, en anglais, in english, inglés, انجليزي, الانجليزية, بالانجليزي,
        انكليزي, الانكليزية
    """,
    "ar": """
        arabe, en arabe, arabic, in arabic, عربي, العربية, بالعربي, بالعربية, عربية,
        3arbi, l'arabe
    """,
}
LANGUAGE_CODES_ALONE: dict[str, str] = {"fr": "fr", "en": "en, eng", "ar": "ar"}

# --- Choosing a numbered option ----------------------------------------------------------------
# Digits are read directly ("2", "2️⃣", "٢", "2e", "1er", "3rd"). These words count as numbers too.
# "un" and "one" are left out on purpose: they are also articles ("un autre jour").
NUMBER_WORDS: dict[int, str] = {
    1: "premier, première, first, واحد, الأول, أول, الأولى",
    2: "deux, deuxième, second, seconde, two, اثنين, اثنان, الثاني, ثاني, الثانية",
    3: "trois, troisième, three, third, ثلاثة, الثالث, ثالث, الثالثة",
    4: "quatre, quatrième, four, fourth, أربعة, الرابع",
    5: "cinq, cinquième, five, fifth, خمسة, الخامس",
}
# "the last one" is the highest option offered.
LAST_WORDS = "dernier, dernière, last, الأخير, الأخيرة"

# Words that may surround a number when someone picks an option ("je prends le 2 svp").
CHOICE_WORDS = """
    choix, choisis, choisi, choisit, prends, prend, prendrai, prendrais, veux, voudrais,
    préfère, préférer, plutôt, mieux, numéro, num, no, n, nr, option, créneau, proposition,
    celui, celle, ci, me, va, convient, conviendrait, irait, parfait, super, nickel, top,
    ok, oki, okay, oui, ouais, yes, d'accord, dac, go, ou, or, et, and, the, number, slot,
    choice, i, i'll, take, want, prefer, would, like, one, it, is,
    اختار, أختار, الخيار, خيار, رقم, الرقم, نعم, بدي, أريد
"""

# A number followed by one of these is a date, a time or an amount, not an option:
# "le 2 mars", "dans 2 jours", "à 2 h".
NOT_AN_OPTION_AFTER = """
    janvier, janv, février, fevr, fév, mars, avril, avr, mai, juin, juillet, juil, août,
    septembre, sept, octobre, oct, novembre, nov, décembre, déc,
    january, jan, february, feb, march, mar, april, apr, may, june, jun, july, jul, august,
    aug, september, sep, october, november, december, dec,
    h, heure, heures, hr, min, minute, minutes, mn, jour, jours, semaine, semaines, mois,
    an, ans, année, années, euro, euros, eur, day, days, week, weeks, month, months, hours,
    year, years
"""

# --- Words that carry no meaning of their own ---------------------------------------------------
# Words that, next to an understood answer, say something a person should know: days, times of
# day, work ("changer svp pas le matin", "je serai pas là mardi"). The reply is acted on and read.
CONSTRAINT_WORDS = """
    lundi, mardi, mercredi, jeudi, vendredi, samedi, dimanche, matin, matinée, midi,
    après-midi, aprem, aprèm, soir, soirée, semaine, weekend, week-end, heure, heures,
    travail, travaille, boulot, taf, école, horaires, monday, tuesday, wednesday, thursday,
    friday, saturday, sunday, morning, afternoon, evening, work
"""

FILLER = """
    bonjour, bonsoir, bjr, bsr, slt, salut, coucou, hello, hi, hey, allo,
    madame, monsieur, mme, mr, mlle, m, merci, mrc, mci, beaucoup, bcp, infiniment,
    svp, stp, s'il vous plaît, s'il te plaît, plait, please, pls, plz, thanks, thank, you, thx,
    bonne, journée, soirée, cordialement, cdt, bien, très, alors, ben, bah, euh, heu, hmm, hum,
    ah, oh, eh, voilà, donc, du coup, encore, je, j, jai, ai, suis, moi, pour, c, cest, est, ça, sa,
    cela, le, la, l, les, de, d, des, du, au, aux, à, et, vous, rdv, rendez-vous, visite,
    شكرا, جزيلا, من فضلك, لو سمحت, السلام عليكم, سلام, مرحبا, أهلا, يا, أخي, أختي, سيدتي,
    سيدي, الله, يعطيك العافية, shukran
"""

# A negation outside the phrase that was recognised turns the reply around ("je ne veux pas
# annuler"): such a reply is asked again rather than acted upon.
NEGATIONS = """
    ne, n, pas, plus, jamais, rien, not, dont, don't, never, لا, لم, لن, ما, مش, ليس
"""

# --- Emoji -------------------------------------------------------------------------------------
# Emoji that answer something are read as these words. Every other emoji (🙏 😊 ❤️ …) is
# decoration and is dropped: "Oui merci 🙏" is "oui merci", and 🙏 alone is an empty reply,
# which is asked again (thanks? please? we cannot tell).
EMOJI_WORDS: dict[str, str] = {
    "👍": "ok",
    "👌": "ok",
    "✅": "ok",
    "✔": "ok",
    "☑": "ok",
    "🆗": "ok",
    "👎": "non",
    "❌": "non",
    "✖": "non",
    "🚫": "non",
    "📞": "appelez-moi",
    "☎": "appelez-moi",
    "🖕": "insulte",
    "🔟": "10",
}
# A reply made only of these is a question about the service ("?" → help).
QUESTION_MARKS = "?？¿؟❓❔"

# How people shorten words when they text, and what voice dictation writes out: read as the
# full words ("jveux bien" is "je veux bien", "c ki" is "c qui"). Keys and values are folded
# like replies (outreach.replies.intents.normalise).
CONTRACTIONS = {
    "jveux": "je veux", "jsuis": "je suis", "chui": "je suis", "jserai": "je serai",
    "jprends": "je prends", "jpeux": "je peux", "jpourrai": "je pourrai", "jannule": "j annule",
    "jarrive": "j arrive", "jsais": "je sais", "jcomprends": "je comprends", "daide": "d aide",
    "daccord": "d accord", "pr": "pour", "ki": "qui", "koi": "quoi", "ptit": "petit",
    "virgule": "", "point": "",
}  # fmt: skip
