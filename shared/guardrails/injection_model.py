"""The learned half of the injection guard: a linear model over word and character n-grams.

Pure Python at serving time (no numpy, scipy or scikit-learn): the artifact
`injection_model.json.gz` holds a vocabulary of weighted features, a bias and a Platt
calibration, written by `python -m shared.guardrails train` (training.py, which alone
needs scikit-learn). Scoring a window is a set of n-grams and one dictionary lookup each.

Text is folded first (text.fold: NFKC, homoglyphs, case, invisible characters), then cut
into windows of at most `WINDOW_CHARS` at sentence ends, so an instruction hidden in a long
document is judged next to its own sentences rather than diluted by the whole page; cost
stays linear in the length. A window's features: its words, word pairs, character
4-grams of the words joined by single spaces, and the attack concepts (CONCEPTS, a small
lexicon in the eight claimed languages) found in it, alone and in pairs. Three kinds of
evidence of intent rather than phrasing join the concepts and pair with them like one of
them: MARKERS of an instruction planted in data (a note labelled for the model that reads
it, markup hiding text from a human, forged role labels and instruction headers), and
IMPERATIVE, a clause opening with a verb of command. Each present feature counts once, and
the vector is L2-normalised (every feature weighs 1/sqrt(number of features), with at least
NORM_FLOOR features counted).

The score is calibrated: `probability` is the estimated probability that the window is an
injection or jailbreak attempt in a stream where one text in ten is one (Platt scaling on
out-of-fold predictions, classes weighted to that prior; at another base rate r the odds
scale by r/(1-r) / (1/9)). The text's score is its highest window's. The artifact loads
on first use, never at import.
"""

from __future__ import annotations

import gzip
import json
import math
import re
import sys
import time
from collections.abc import Container
from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache
from itertools import pairwise, repeat
from pathlib import Path

from shared.guardrails.text import ScoreMemo, fold, text_digest

ARTIFACT = Path(__file__).with_name("injection_model.json.gz")
# 300 caught more orders planted in YAML records but cut long jailbreaks into pieces that
# each looked harmless: fewer attacks found overall (docs/guardrails.md, by source).
WINDOW_CHARS = 600
OVERLAP_CHARS = 100
# A window with fewer features is normalised as if it had this many: five words are not
# enough evidence for a confident verdict either way ("what is your favourite planet").
NORM_FLOOR = 80
CHAR_NGRAMS = (4,)
FINDING_TYPE = "INJECTION_MODEL"
# A window's probability depends on its text alone: a model remembers it (by digest, never
# the text) across requests, so the windows a request repeats (chat history sent again each
# turn, a retrieved document) cost one look-up each. About 280 bytes an entry: 1.1 MB when full.
WINDOW_MEMO_ENTRIES = 4096
# Words of the model's vocabulary whose n-grams `fast_features` keeps, least recently used
# out (a Zipfian vocabulary: nearly every word of a request is among them); ~500 bytes a
# word. Other words (names, numbers, typos) are cut anew each time: no caller's text is kept.
WORD_CACHE_ENTRIES = 4096
# Feature-name prefixes of the lexicon's concept pairs and single concepts.
CONCEPT_PREFIXES = ("c ", "k ")

# A small cross-lingual lexicon: the words attacks are made of, in the eight languages the
# guard claims, mapped to one concept each, so that what the model learns from English
# attacks also reaches "oubliez les consignes précédentes". Folded (lower-case) forms.
CONCEPTS: dict[str, tuple[str, ...]] = {
    "IGNORE": (
        "ignore", "ignoring", "disregard", "forget", "override", "bypass", "ignora", "ignorar",
        "ignores", "olvida", "olvides", "olvidar", "olvídate", "olvidate", "ignorez", "ignorer",
        "oublie", "oubliez", "oublier", "ignoriere", "ignorieren", "ignoriert", "vergiss",
        "vergesst", "vergessen", "missachte", "esqueça", "esqueca", "esqueçam", "desconsidere",
        "ignorem", "dimentica", "dimenticare", "dimenticate", "ignorate", "忽略", "忘记", "忘掉",
        "无视", "無視", "忘れ", "regardless", "disobey", "circumvent", "discard",
        "evade", "independientemente", "indépendamment", "unabhängig", "independentemente",
        "indipendentemente", "不管", "无论",
    ),
    "PREVIOUS": (
        "previous", "prior", "above", "earlier", "preceding", "before", "anteriores", "anterior",
        "previas", "précédentes", "précédents", "précédent", "antérieures", "dessus", "vorherigen",
        "vorherige", "obigen", "bisherigen", "vorher", "precedenti", "precedente", "sopra",
        "acima", "之前", "以上", "上面", "先前", "以前", "上記", "これまで", "前の",
    ),
    "INSTRUCTIONS": (
        "instructions", "instruction", "rules", "guidelines", "directives", "directions",
        "instrucciones", "reglas", "indicaciones", "normas", "consignes", "règles",
        "anweisungen", "regeln", "vorgaben", "richtlinien", "instruções", "instrucoes",
        "regras", "diretrizes", "orientações", "istruzioni", "regole", "indicazioni", "指令",
        "指示", "规则", "命令", "ルール", "设定", "directive", "commands", "directiva",
        "direttiva", "diretiva",
    ),
    "REVEAL": (
        "reveal", "show", "print", "display", "output", "repeat", "disclose", "dump", "leak",
        "recite", "paste", "revela", "muestra", "muéstrame", "repite", "dime", "imprime",
        "révèle", "révélez", "affiche", "affichez", "montre", "montrez", "répète", "répétez",
        "zeige", "zeig", "verrate", "wiederhole", "gib", "nenne", "revele", "mostre", "repita",
        "diga", "rivela", "mostra", "mostrami", "ripeti", "stampa", "dimmi", "显示", "输出",
        "告诉", "重复", "泄露", "打印", "表示", "出力", "教えて", "繰り返", "見せて",
    ),
    "SYSTEM": (
        "system", "sistema", "système", "systemprompt", "systemnachricht", "系统", "システム",
    ),
    "PROMPT": ("prompt", "prompts", "提示词", "提示", "プロンプト"),
    "HIDDEN": (
        "hidden", "secret", "confidential", "initial", "original", "internal", "private",
        "ocultas", "ocultos", "secretas", "iniciales", "internas", "cachées", "cachés",
        "secrètes", "initiales", "internes", "versteckten", "geheimen", "ursprünglichen",
        "internen", "secretas", "iniciais", "internas", "nascoste", "segrete", "iniziali",
        "interne", "隐藏", "秘密", "最初", "初始", "内部", "隠された", "隠し",
    ),
    "UNRESTRICTED": (
        "restrictions", "restriction", "filters", "censorship", "uncensored", "unfiltered",
        "limits", "unrestricted", "restricción", "restricciones", "filtros", "límites",
        "restriction", "restrictions", "filtres", "limites", "censure", "einschränkung",
        "einschränkungen", "grenzen", "zensur", "restrição", "restrições",
        "restrizione", "restrizioni", "filtri", "limiti", "限制", "制限", "フィルター", "过滤",
        "审查",
    ),
    "TEXT": (
        "text", "words", "message", "messages", "context", "conversation", "texto", "mensaje",
        "contexto", "texte", "contexte", "nachricht", "kontext", "mensagem", "testo",
        "messaggio", "contesto", "文字", "消息", "上下文", "内容", "テキスト", "文章", "メッセージ",
    ),
    "CONFIG": (
        "configuration", "config", "template", "setup", "settings", "programming",
        "configuración", "plantilla", "configuração", "paramètres", "konfiguration",
        "einstellungen", "vorlage", "configurazione", "impostazioni", "配置", "模板", "設定",
    ),
    "DEVELOPER": (
        "developer", "developers", "admin", "administrator", "operator", "creator", "creators",
        "engineer", "openai", "sudo", "root", "desarrollador", "administrador", "creador",
        "développeur", "administrateur", "créateur", "entwickler", "administrator", "ersteller",
        "desenvolvedor", "criador", "sviluppatore", "amministratore", "creatore", "开发者",
        "开发人员", "管理员", "開発者", "管理者",
    ),
    "DEBUG": (
        "debug", "debugging", "diagnostic", "diagnostics", "maintenance", "depuración",
        "depurar", "débogage", "déboguer", "debuggen", "fehlersuche", "wartung", "depuração",
        "manutenção", "manutenzione", "调试", "维护", "デバッグ",
    ),
    "MODE": ("mode", "modo", "modus", "模式", "モード"),
    "PRETEND": (
        "pretend", "roleplay", "simulate", "imagine", "character", "persona", "act", "impersonate",
        "finge", "finja", "actúa", "simula", "imagina", "personaje", "semblant", "joue",
        "incarne", "personnage", "simule", "spiele", "rolle", "simuliere", "stell",
        "interprete", "personagem", "fingi", "interpreta", "personaggio", "扮演", "假装", "角色",
        "模拟", "ふり", "演じ",
    ),
    "NOW": (
        "now", "henceforth", "onwards", "instead", "ahora", "adelante", "maintenant",
        "désormais", "dorénavant", "plutôt", "jetzt", "sofort", "stattdessen", "agora",
        "diante", "invece", "现在", "从现在", "今から", "代わりに",
    ),
    "NEW": (
        "new", "updated", "real", "nuevas", "nuevo", "nueva", "verdaderas",
        "nouvelles", "nouveau", "nouvelle", "vraies", "neue", "neuen", "echten", "novas",
        "novo", "nova", "verdadeiras", "nuove", "nuovo", "nuova", "vere", "新的", "真正",
        "新しい", "本当の",
    ),
    "OBEY": (
        "obey", "follow", "comply", "obedece", "sigue", "cumple", "obéis", "obéissez", "suis",
        "respecte", "befolge", "gehorche", "folge", "obedeça", "siga", "cumpra", "obbedisci",
        "segui", "遵守", "服从", "遵循", "従って", "従え", "守ら",
    ),
    "ADDRESSEE": (
        "ai", "assistant", "assistants", "model", "llm", "chatbot", "gpt", "chatgpt", "agent",
        "ia", "asistente", "modelo", "modèle", "ki", "assistent", "modell", "assistente",
        "modello", "人工智能", "助手", "模型", "アシスタント", "モデル",
    ),
    "TASK": (
        "task", "tasks", "goal", "objective", "mission", "tarea", "objetivo", "tâche",
        "objectif", "aufgabe", "ziel", "tarefa", "compito", "obiettivo", "任务", "目标",
        "タスク", "目標",
    ),
    "URGENT": (
        "important", "urgent", "immediately", "critical", "importante", "urgente",
        "inmediatamente", "immédiatement", "wichtig", "dringend", "imediatamente",
        "immediatamente", "重要", "紧急", "立即", "至急", "直ちに",
    ),
    "SEND": (
        "send", "forward", "email", "transfer", "upload", "exfiltrate", "envía", "envia",
        "reenvía", "envoie", "envoyez", "transfère", "sende", "schicke", "weiterleiten", "envie",
        "encaminhe", "invia", "inoltra", "发送", "转发", "送信", "転送",
    ),
    # Words of definition and explanation: "what does the term system prompt mean" asks
    # about the concept; an attack asks for the thing itself.
    "DEFINE": (
        "mean", "means", "meaning", "definition", "define", "term", "explain", "difference",
        "concept", "significa", "significado", "definición", "explica", "diferencia",
        "signifie", "définition", "explique", "différence", "bedeutet", "bedeutung",
        "erkläre", "unterschied", "definição", "diferença", "significato", "definizione",
        "spiega", "differenza", "什么是", "意思", "定义", "解释", "区别", "とは", "意味", "定義",
        "違い",
    ),
    "VERBATIM": (
        "verbatim", "everything", "exactly", "literally", "entire", "word", "textualmente",
        "exactamente", "todo", "entero", "exactement", "mot", "tout", "entier", "wörtlich",
        "genau", "alles", "vollständig", "exatamente", "palavra", "tudo", "esattamente",
        "parola", "tutto", "原样", "逐字", "完整", "全部", "そのまま", "全て", "すべて", "全文",
    ),
    # What an instruction planted in a document or tool output is about: the person the
    # assistant serves, their secrets, actions with consequences, a replaced goal, secrecy
    # towards the user, and the words that label a note as meant for whoever reads it.
    "USER": (
        "user", "user's", "users", "usuario", "usuaria", "utilisateur", "utilisatrice",
        "benutzer", "nutzer", "nutzerin", "usuário", "utente", "用户", "使用者", "ユーザー",
    ),
    "CREDENTIAL": (
        "password", "passwords", "passcode", "credentials", "credential", "api", "token",
        "tokens", "apikey", "iban", "pin", "ssn", "contraseña", "contraseñas", "passe",
        "identifiants", "passwort", "passwörter", "zugangsdaten", "senha", "senhas",
        "credenciais", "credenciales", "密码", "密碼", "凭证", "パスワード", "認証情報",
    ),
    "ACTION": (
        "delete", "erase", "wipe", "execute", "install", "grant", "invite", "purchase", "pay",
        "approve", "visit", "click", "borra", "elimina", "eliminar", "ejecuta", "paga",
        "supprime", "supprimez", "efface", "exécute", "payez", "lösche", "löschen", "führe",
        "bezahle", "apague", "exclua", "execute", "pague", "cancella", "esegui", "paga",
        "删除", "执行", "支付", "削除", "実行",
    ),
    "PRIMARY": (
        "actual", "primary", "ultimate", "sole", "overriding", "true", "core", "verdadero",
        "verdadera", "principal", "véritable", "vrai", "vraie", "eigentliches", "eigentliche",
        "wahre", "wahres", "vero", "reale", "principale", "真正的", "主要", "本当の",
    ),
    "STEALTH": (
        "silently", "secretly", "quietly", "covertly", "discreetly", "unnoticed", "mention",
        "without", "sin", "sans", "ohne", "sem", "senza", "secretamente", "silencio",
        "discrètement", "heimlich", "segretamente", "悄悄", "秘密地", "こっそり",
    ),
    "NOTE": (
        "note", "notice", "todo", "footnote", "reminder", "attention", "memo", "nota", "aviso",
        "avis", "remarque", "hinweis", "achtung", "notiz", "atenção", "avviso", "注意", "备注",
        "提示", "注記",
    ),
    # What a jailbreak asks the model to set aside: its safety rules and its ethics. Paired
    # with IGNORE or STEALTH ("regardless of policy", "without ethical limits") it reads as
    # an order; alone, as in a text about AI safety, it weighs little.
    "SAFETY": (
        "safety", "safeguards", "guardrails", "ethical", "ethics", "moral", "morals", "policy",
        "policies", "seguridad", "ética", "éticas", "políticas", "sécurité", "éthique",
        "éthiques", "sicherheit", "ethik", "ethischen", "richtlinie", "segurança",
        "sicurezza", "etica", "etiche", "安全", "伦理", "道德", "倫理", "安全性",
    ),
}  # fmt: skip
_CONCEPT = {term: concept for concept, terms in CONCEPTS.items() for term in terms}
# Chinese and Japanese have no spaces between words: their terms are searched for.
_CJK_TERMS = re.compile(
    "|".join(
        sorted(
            (t for t in _CONCEPT if any("\u3040" <= c <= "\u9fff" for c in t)),
            key=len,
            reverse=True,
        )
    )
)
# Pronouns of address are left out: nearly every attack says "you", and so does every
# question a student asks an assistant ("what is your favourite planet?"); kept, they made
# any short request to the assistant look like an attack.
PRONOUNS = frozenset(
    (
        "you", "your", "yours", "yourself", "yourselves", "u", "ur", "me", "my", "mine", "i",
        "tu", "te", "ti", "toi", "vous", "votre", "vos", "ton", "ta", "tes", "tuo", "tua",
        "tuoi", "tue", "du", "dich", "dir", "dein", "deine", "deinen", "deiner", "você",
        "voce", "seu", "sua",
    )
)  # fmt: skip
# The second-person words among them stay out of the words but become a concept of their
# own, paired like the others: "your system prompt" is the assistant's own, "a system prompt"
# is the idea. Chinese and Japanese forms are searched for, as the lexicon's are.
ADDRESS = frozenset(
    (
        "you", "your", "yours", "yourself", "u", "ur", "tu", "te", "ti", "toi", "vous", "votre",
        "vos", "ton", "ta", "tes", "tuo", "tua", "tuoi", "tue", "du", "dich", "dir", "dein",
        "deine", "deinen", "deiner", "deines", "euch", "euer", "você", "voce", "seu", "sua",
        "seus", "suas", "teu", "teus", "tuas", "tus", "usted", "vosotros", "vuestras",
        "vuestros",
    )
)  # fmt: skip
_CJK_ADDRESS = re.compile("你|您|あなた|君")
_WORD = re.compile(r"\w+")
# Marks of an instruction embedded in data, found in the folded window and paired with the
# concepts like one of them: a note labelled for the model that reads it ("note to AI
# assistants", "AI assistant:", "if you are an AI"), markup that hides text from a human
# reader, and role labels or instruction headers forging a turn inside a document.
MARKERS: dict[str, re.Pattern[str]] = {
    "LABELLED": re.compile(
        r"\b(?:note|notes|message|messages|instructions?|notice|reminder|attention)\s+"
        r"(?:to|for)\s+(?:the\s+|any\s+|all\s+)?(?:ai|assistants?|models?|agents?|llms?|"
        r"chatbots?|bots?|language\s+models?)\b"
        r"|(?:^|[\n.!?>\[(\-*#]\s*)(?:dear\s+|hey\s+|hi\s+)?(?:ai\s+)?"
        r"(?:assistants?|agents?|models?|llms?|chatbots?|ai)\s*[:,]"
        r"|\bif\s+you\s+are\s+(?:an?\s+)?(?:ai|assistant|language\s+model|llm|agent|bot)\b"
    ),
    "CONCEALED": re.compile(
        r"<!--|display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0|\[hidden|"
        r"color\s*:\s*(?:white|#fff)|<<"
    ),
    "ROLE": re.compile(
        r"<\|[a-z_]{2,20}\|>|\[/?(?:inst|system|sys|admin)\]|<</?sys>>|"
        r"(?:^|\n)\s{0,3}#{1,4}\s*(?:system|instructions?|response|assistant)\b|"
        r"\[(?:system|admin|developer)\s*(?:notice|message|note|override)?\]"
    ),
}
_READERS = frozenset(
    ("ai", "assistant", "assistants", "model", "models", "agent", "agents", "llm", "llms",
     "chatbot", "chatbots", "bot", "bots")
)  # fmt: skip
# Verbs an order starts with: a clause opening with one of them is imperative. Paired with
# the concepts and the marks above, "forward ... to", "delete ...", "tell the user ..." in
# a web page or a tool's output reads as an order to the model, not as a description.
IMPERATIVES = frozenset(
    (
        "ignore", "disregard", "forget", "send", "forward", "email", "delete", "remove",
        "transfer", "append", "reset", "call", "post", "tell", "say", "reply", "respond",
        "include", "rate", "recommend", "collect", "print", "reveal", "show", "output",
        "repeat", "write", "do", "don't", "dont", "never", "always", "make", "give", "provide",
        "share", "list", "enumerate", "describe", "use", "execute", "run", "visit", "click",
        "open", "change", "insert", "add", "act", "pretend", "answer", "stop", "start",
        "upload", "download", "install", "grant", "approve", "pay", "book", "create", "set",
        "leak", "disclose", "summarise", "summarize", "translate", "respond", "instead",
        "override", "bypass", "obey", "follow", "comply", "reply", "switch", "enable",
        "disable", "begin", "assume", "treat", "consider", "confirm", "mention",
    )
)  # fmt: skip
_CLAUSE_START = re.compile(
    r"(?:^|[.!?:;\n\"'>\]\-*]|<!--)\s*(?:please\s+|now\s+|then\s+)?([a-z']+)"
)
_SENTENCE_END = re.compile(r"[.!?。！？\n]+\s*")


def features(folded: str) -> set[str]:
    """The n-grams of one folded window (training calls this very function)."""
    tokens = _WORD.findall(folded)
    words = [word for word in tokens if word not in PRONOUNS]
    found = {"w " + word for word in words}
    found.update("b " + a + " " + b for a, b in pairwise(words))
    joined = " " + " ".join(words) + " "
    for size in CHAR_NGRAMS:
        found.update(joined[i : i + size] for i in range(len(joined) - size + 1))
    _add_concepts(found, folded, tokens, words)
    return found


def fast_features(folded: str, known: Container[str] = frozenset()) -> set[str]:
    """`features(folded)`, the very set in the very iteration order (a test holds both equal
    on the corpus and on generated text), at a fraction of the cost. The parts of words in
    `known` (the model's own vocabulary: no caller's text) are kept between calls.

    The character n-grams of " w1 w2 ... " are those inside each padded word " w " (cached
    per word, with its "w " feature) and the few that span a space between two words (the
    ones with a space inside): inserted in the same order as `features` inserts them, from
    strings whose hashes are already computed, so the set's layout is the same (the sum in
    `Model.margin_of` does not depend on it, but equal sets in equal order are the simplest
    thing to hold equal). The concepts, marks and imperatives come from
    the same `_add_concepts`."""
    tokens = _WORD.findall(folded)
    words = [word for word in tokens if word not in PRONOUNS]
    parts = [_word_parts(word) if word in known else _parts_of(word) for word in words]
    found = {part[0] for part in parts}
    found.update("b " + a + " " + b for a, b in pairwise(words))
    if CHAR_NGRAMS == (4,):
        grams: list[str] = []
        previous = None
        for part in parts:
            if previous is not None:
                grams.append(previous[2] + part[4])  # space at the gram's third character
                grams.append(previous[3] + part[5])  # space at its second
            grams.extend(part[1])
            previous = part
        found.update(grams)
    else:  # other sizes: the plain slices
        joined = " " + " ".join(words) + " "
        for size in CHAR_NGRAMS:
            found.update(joined[i : i + size] for i in range(len(joined) - size + 1))
    _add_concepts(found, folded, tokens, words)
    return found


def _add_concepts(found: set[str], folded: str, tokens: list[str], words: list[str]) -> None:
    """The lexicon's concepts, the marks and the imperative found in a window, alone and in
    pairs: one code for `features` and `fast_features`."""
    concepts = [_CONCEPT[word] for word in words if word in _CONCEPT]
    if not folded.isascii():
        concepts += (_CONCEPT[m.group()] for m in _CJK_TERMS.finditer(folded))
        if _CJK_ADDRESS.search(folded):
            concepts.append("ADDRESS")
    if any(token in ADDRESS for token in tokens):
        concepts.append("ADDRESS")
    # Every labelled note names its reader: without one of those words the costliest
    # pattern cannot match, and most windows are spared it.
    readers = not _READERS.isdisjoint(tokens)
    concepts += (
        name
        for name, pattern in MARKERS.items()
        if (readers or name != "LABELLED") and pattern.search(folded)
    )
    if any(m.group(1) in IMPERATIVES for m in _CLAUSE_START.finditer(folded)):
        concepts.append("IMPERATIVE")
    # Pairs, not single concepts: "above" alone is everyday ("the above text"); "ignore"
    # with "instructions" in one window is what attacks are made of.
    distinct = sorted(set(concepts))
    found.update("c " + a + " " + b for i, a in enumerate(distinct) for b in distinct[i + 1 :])
    # Single concepts too, so that one word of the lexicon in a language never seen in an
    # attack still carries what its English counterparts taught ("développeur", "debug").
    found.update("k " + a for a in distinct)


WordParts = tuple[str, tuple[str, ...], str, str, str, str]


def _parts_of(word: str) -> WordParts:
    """A word's "w " feature, the 4-grams of " word " in order, and the pieces of the grams
    spanning the space after it (its last two characters or " " and its last, then " ";
    its last then " ") and before it (its first, its first two or it and " ")."""
    padded = " " + word + " "
    return (
        "w " + word,
        tuple(padded[i : i + 4] for i in range(len(padded) - 3)),
        padded[-3:],
        padded[-2:],
        word[0],
        padded[1:3],
    )


@lru_cache(maxsize=WORD_CACHE_ENTRIES)
def _word_parts(word: str) -> WordParts:
    """`_parts_of` a word of the model's vocabulary, kept, its features interned."""
    feature, grams, tail_two, tail_one, head_one, head_two = _parts_of(word)
    interned = tuple(map(sys.intern, grams))
    return sys.intern(feature), interned, tail_two, tail_one, head_one, head_two


def windows(folded: str) -> list[tuple[int, int]]:
    """[start, end) spans of the folded text: sentences packed up to WINDOW_CHARS each; a
    longer sentence is cut into overlapping pieces so no phrase falls between two cuts."""
    pieces, start = [], 0
    for match in _SENTENCE_END.finditer(folded):
        pieces.append((start, match.end()))
        start = match.end()
    if start < len(folded):
        pieces.append((start, len(folded)))
    spans: list[tuple[int, int]] = []
    for piece_start, end in pieces:
        start = piece_start
        while end - start > WINDOW_CHARS:
            spans.append((start, start + WINDOW_CHARS))
            start += WINDOW_CHARS - OVERLAP_CHARS
        if spans and spans[-1][1] >= start and end - spans[-1][0] <= WINDOW_CHARS:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return [(s, e) for s, e in spans if not folded[s:e].isspace()]


@dataclass(frozen=True)
class Model:
    weights: dict[str, float]
    bias: float
    slope: float  # Platt: probability = 1 / (1 + exp(slope * margin + intercept))
    intercept: float
    load_seconds: float = 0.0
    windows_seen: ScoreMemo = field(
        default_factory=lambda: ScoreMemo(WINDOW_MEMO_ENTRIES), compare=False, repr=False
    )

    def margin_of(self, found: set[str] | frozenset[str], size: int) -> float:
        """`size` is the window's number of features, in the vocabulary or not."""
        if not size:
            return self.bias
        # fsum: exactly rounded, so the same float whatever order the set iterates in (that
        # order follows the process's string hash seed; a plain sum differed in its last
        # bits from one process to the next), and faster than sum() over the same map.
        total = math.fsum(map(self.weights.get, found, repeat(0.0)))
        return self.bias + total / math.sqrt(max(size, NORM_FLOOR))

    def calibrated(self, margin: float) -> float:
        z = self.slope * margin + self.intercept
        return 1.0 / (1.0 + math.exp(z)) if z < 700 else 0.0

    def probability(self, folded: str) -> float:
        found = features(folded)
        return self.calibrated(self.margin_of(found, len(found)))

    def probability_of_windows(self, found: list[frozenset[str]], sizes: list[int]) -> float:
        margin = max(self.margin_of(f, n) for f, n in zip(found, sizes, strict=True))
        return self.calibrated(margin)

    @cached_property
    def words(self) -> frozenset[str]:
        """The words the model has a weight for (its "w " features)."""
        return frozenset(f[2:] for f in self.weights if f.startswith("w "))

    def window_probability(self, window: str) -> float:
        """`probability(window)`, remembered by the window's digest, from `fast_features`."""
        key = text_digest(window)
        remembered = self.windows_seen.get(key)
        if remembered is not None:
            return remembered
        found = fast_features(window, self.words)
        p = self.calibrated(self.margin_of(found, len(found)))
        self.windows_seen.put(key, p)
        return p

    def best_window(self, folded: str) -> tuple[float, int, int]:
        """(probability, start, end) of the highest-scoring window of a folded text."""
        best = (0.0, 0, 0)
        for start, end in windows(folded):
            p = self.window_probability(folded[start:end])
            if p > best[0]:
                best = (p, start, end)
        return best


def from_document(document: dict[str, object], load_seconds: float = 0.0) -> Model:
    calibration = document["calibration"]
    assert isinstance(calibration, dict)
    return Model(
        # Interned keys: the n-grams `fast_features` caches are interned too, so looking
        # one up finds the very key object, without comparing the characters.
        weights={sys.intern(k): v for k, v in document["weights"].items()},  # type: ignore[attr-defined]
        bias=float(document["bias"]),  # type: ignore[arg-type]
        slope=float(calibration["slope"]),
        intercept=float(calibration["intercept"]),
        load_seconds=load_seconds,
    )


@cache
def load(path: Path = ARTIFACT) -> Model:
    started = time.perf_counter()
    document = json.loads(gzip.decompress(path.read_bytes()))
    return from_document(document, time.perf_counter() - started)


def probability(text: str) -> float:
    """The calibrated score of a raw text (folded here), its best window's."""
    return load().best_window(fold(text).text)[0]
