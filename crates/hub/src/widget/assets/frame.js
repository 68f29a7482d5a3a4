// The chat window, in a frame from the hub's origin (see loader.js). It keeps the visitor's
// token in this origin's storage, sends what the visitor writes through an outbox (kept
// across reloads, each message with a key of its own so a retry never sends twice) and
// follows the chat over one WebSocket that resumes after the last message it has.
"use strict";

const config = JSON.parse(document.getElementById("config").textContent);
const spanish = (navigator.language || "en").toLowerCase().startsWith("es");
const T = spanish ? {
    lang: "es", title: "Chatea con nosotros", close: "Cerrar", label: "Mensaje", send: "Enviar",
    end: "Terminar el chat", transcript: "Descargar la conversación", you: "Tú",
    sending: "Enviando…", notSent: "No enviado; se reintentará", seen: "Visto", failed: "No enviado",
    typing: (name) => `${name || "Un agente"} está escribiendo…`,
    away: "No hay ningún agente disponible ahora mismo. Deja tu mensaje y te responderemos.",
    closed: "Ahora estamos cerrados. Deja tu mensaje y te responderemos en cuanto abramos.",
    offline: "Sin conexión. Tus mensajes se enviarán al volver.",
    notVouched: "No pudimos confirmar tu identidad con este sitio web. Recarga la página.",
    blocked: "Este chat no está disponible.", busy: "Demasiados mensajes; espera un momento.",
    ended: "El chat ha terminado. Escribe de nuevo cuando quieras.",
    rateLegend: "¿Cómo te atendimos?", star: (n) => `${n} de 5`, comment: "Comentario (opcional)",
    rate: "Enviar valoración", thanks: "¡Gracias por tu valoración!",
    prechatIntro: "Antes de empezar, dinos quién eres.", name: "Nombre", email: "Correo electrónico",
    startChat: "Empezar el chat", badEmail: "Ese correo electrónico no parece válido.",
    attach: "Adjuntar", uploading: (name) => `Subiendo ${name}…`,
    tooLarge: "Ese archivo es demasiado grande.", badFile: "Ese archivo no se puede enviar.",
    download: (name, size) => `Descargar ${name} (${size})`,
} : {
    lang: "en", title: "Chat with us", close: "Close", label: "Message", send: "Send",
    end: "End chat", transcript: "Download transcript", you: "You",
    sending: "Sending…", notSent: "Not sent yet; will retry", seen: "Seen", failed: "Not sent",
    typing: (name) => `${name || "An agent"} is typing…`,
    away: "No agent is available right now. Leave a message and we will get back to you.",
    closed: "We are closed right now. Leave a message and we will answer when we open.",
    offline: "Offline. Your messages will be sent when the connection is back.",
    notVouched: "We could not confirm who you are with this website. Please reload the page.",
    blocked: "This chat is not available.", busy: "Too many messages; please wait a moment.",
    ended: "The chat has ended. Write again whenever you like.",
    rateLegend: "How did we do?", star: (n) => `${n} of 5`, comment: "Comment (optional)",
    rate: "Send rating", thanks: "Thank you for your rating!",
    prechatIntro: "Before we start, tell us who you are.", name: "Name", email: "Email",
    startChat: "Start chat", badEmail: "That email address does not look right.",
    attach: "Attach", uploading: (name) => `Uploading ${name}…`,
    tooLarge: "That file is too large.", badFile: "That file cannot be sent.",
    download: (name, size) => `Download ${name} (${size})`,
};

const $ = (id) => document.getElementById(id);
const log = $("log");
const text = $("text");
document.documentElement.lang = T.lang;
document.documentElement.style.setProperty("--brand", config.color);
$("title").textContent = T.title;
$("close").textContent = T.close;
$("text-label").textContent = T.label;
$("send").textContent = T.send;
$("attach").textContent = T.attach;
$("end").textContent = T.end;
$("transcript").textContent = T.transcript;
$("rating-legend").textContent = T.rateLegend;
$("comment-label").textContent = T.comment;
$("rate").textContent = T.rate;
$("prechat-intro").textContent = T.prechatIntro;
$("prechat-name-label").textContent = T.name;
$("prechat-email-label").textContent = T.email;
$("prechat-start").textContent = T.startChat;
for (let n = 1; n <= 5; n++) {
    const label = document.createElement("label");
    const radio = document.createElement("input");
    radio.type = "radio";
    radio.name = "stars";
    radio.value = String(n);
    radio.setAttribute("aria-label", T.star(n));
    label.append(radio, ` ${n}★`);
    $("stars").append(label);
}

let user = null;
let prechat = { name: "", email: "" };
let session = null;
let socket = null;
let socketWait = 1000;
let lastId = 0;
let seenUpto = 0;
let open = false;
let shown = false;
let typingTimer = null;
let lastTyping = 0;
let flushing = false;
let flushWait = 1000;
let flushTimer = null;
const keyToId = new Map();

const storeKey = () => `sb-chat:${config.widget}:${user ? user.id : ""}`;
const outboxKey = () => `${storeKey()}:outbox`;
const outbox = () => JSON.parse(localStorage.getItem(outboxKey()) || "[]");
const saveOutbox = (items) => localStorage.setItem(outboxKey(), JSON.stringify(items));
const newKey = () => (crypto.randomUUID ? crypto.randomUUID()
    : Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join(""));

function notice(words, error) {
    const element = $("notice");
    element.hidden = !words;
    element.textContent = words || "";
    element.classList.toggle("error", !!error);
}

function canWrite(yes) {
    text.disabled = !yes;
    $("send").disabled = !yes;
    $("attach").disabled = !yes;
}

function time(ms) {
    return new Date(ms).toLocaleTimeString(T.lang, { hour: "2-digit", minute: "2-digit" });
}

// One list item per message: by id once the hub has it, by key while it waits in the outbox.
function render(message) {
    if (message.id && log.querySelector(`li[data-id="${message.id}"]`)) return;
    let item = message.key ? log.querySelector(`li[data-key="${CSS.escape(message.key)}"]`) : null;
    if (!item && message.id) {
        for (const [key, id] of keyToId) {
            if (id === message.id) item = log.querySelector(`li[data-key="${CSS.escape(key)}"]`);
        }
    }
    if (!item) {
        item = document.createElement("li");
        log.append(item);
    }
    item.replaceChildren();
    item.className = message.mine ? "mine" : "";
    if (message.id) {
        item.dataset.id = String(message.id);
        item.removeAttribute("data-key");
    } else {
        item.dataset.key = message.key;
    }
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = `${message.mine ? T.you : message.name} · ${time(message.at)}`;
    const body = document.createElement("span");
    body.className = "body";
    body.textContent = message.text;
    item.append(who, body);
    for (const file of message.attachments || []) item.append(attachment(file));
    if (message.mine) {
        const state = document.createElement("span");
        state.className = "state";
        item.append(state);
    }
    updateState(item, message);
    log.scrollTop = log.scrollHeight;
}

function size(bytes) {
    if (bytes < 1024) return `${bytes} B`;
    if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
    return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

// A file's bytes, asked for with the visitor's token (never put in a URL).
async function fetchFile(file) {
    const response = await fetch(`/widget/v1/attachments/${file.id}`, {
        headers: { Authorization: `Bearer ${session.token}` },
    });
    if (!response.ok) throw new Error(response.statusText);
    return URL.createObjectURL(await response.blob());
}

// A picture is shown in place; any other file is a button that downloads it.
function attachment(file) {
    if (file.content_type && ["image/png", "image/jpeg", "image/gif", "image/webp"].includes(file.content_type)) {
        const image = document.createElement("img");
        image.alt = file.name;
        fetchFile(file).then((url) => { image.src = url; }).catch(() => { image.alt = `${file.name} ✕`; });
        return image;
    }
    const button = document.createElement("button");
    button.type = "button";
    button.className = "file quiet";
    button.textContent = T.download(file.name, size(file.size));
    button.addEventListener("click", async () => {
        try {
            const link = document.createElement("a");
            link.href = await fetchFile(file);
            link.download = file.name;
            document.body.append(link);
            link.click();
            link.remove();
            setTimeout(() => URL.revokeObjectURL(link.href), 10000);
        } catch {
            notice(T.offline, true);
        }
    });
    return button;
}

function updateState(item, message) {
    const state = item.querySelector(".state");
    if (!state) return;
    item.classList.toggle("pending", !!message.pending);
    item.classList.toggle("failed", !!message.failed);
    state.textContent = message.failed ? T.failed
        : message.pending ? (message.retrying ? T.notSent : T.sending)
        : (message.id && message.id <= seenUpto ? T.seen : "");
}

function markSeen() {
    for (const item of log.querySelectorAll("li.mine[data-id]")) {
        updateState(item, { id: Number(item.dataset.id) });
    }
}

async function call(path, body, method) {
    const response = await fetch(path, {
        method: method || "POST",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${session.token}` },
        body: body === undefined ? undefined : JSON.stringify(body),
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) {
        const error = new Error(answer.message || response.statusText);
        error.status = response.status;
        error.code = answer.code;
        throw error;
    }
    return answer;
}

async function start() {
    if (socket) {
        socket.onclose = null;
        socket.close();
        socket = null;
    }
    log.replaceChildren();
    lastId = 0;
    keyToId.clear();
    let answer;
    try {
        const response = await fetch("/widget/v1/session", {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({
                widget: config.widget, token: localStorage.getItem(storeKey()), user,
                name: prechat.name, email: prechat.email,
            }),
        });
        answer = await response.json().catch(() => ({}));
        if (!response.ok) {
            canWrite(false);
            if (answer.code === "invalid_email") {
                notice(T.badEmail, true);
                return askFirst(true);
            }
            if (answer.code === "identity_not_vouched") notice(T.notVouched, true);
            else if (answer.code === "visitor_blocked") notice(T.blocked, true);
            else notice(T.offline, true);
            if (answer.code !== "identity_not_vouched" && answer.code !== "visitor_blocked" && response.status !== 400) {
                setTimeout(start, 5000);
            }
            return;
        }
    } catch {
        notice(T.offline, true);
        setTimeout(start, 5000);
        return;
    }
    session = answer;
    localStorage.setItem(storeKey(), session.token);
    canWrite(true);
    // Opened before the chat was ready (the box was disabled then): the cursor goes there now.
    const idle = !document.activeElement || document.activeElement === document.body;
    if (shown && $("prechat").hidden && idle) text.focus();
    notice(!answer.in_hours ? T.closed : answer.attended ? "" : T.away);
    open = answer.open;
    $("end").disabled = !open;
    seenUpto = answer.seen_upto;
    if (config.greeting) {
        const greeting = document.createElement("li");
        greeting.className = "greeting";
        greeting.textContent = config.greeting;
        log.append(greeting);
    }
    for (const message of answer.messages) {
        render(message);
        lastId = Math.max(lastId, message.id);
    }
    for (const item of outbox()) render({ ...item, mine: true, pending: true });
    connect();
    flush();
}

// A widget with a pre-chat form asks a new, anonymous visitor their name and email first.
function begin() {
    if (config.pre_chat && !user && !localStorage.getItem(storeKey())) askFirst(false);
    else start();
}

function askFirst(again) {
    $("prechat").hidden = false;
    $("composer").hidden = true;
    $("actions").hidden = true;
    if (!again) notice("");
    if (shown) $("prechat-name").focus();
}

$("prechat").addEventListener("submit", (event) => {
    event.preventDefault();
    prechat = { name: $("prechat-name").value.trim(), email: $("prechat-email").value.trim() };
    $("prechat").hidden = true;
    $("composer").hidden = false;
    $("actions").hidden = false;
    start().then(() => { if (!$("prechat").hidden || !shown) return; text.focus(); });
});

function connect() {
    const ws = new WebSocket(`${location.origin.replace(/^http/, "ws")}/widget/v1/socket`);
    socket = ws;
    ws.onopen = () => ws.send(JSON.stringify({ token: session.token, after: lastId }));
    ws.onmessage = (event) => {
        socketWait = 1000;
        const frame = JSON.parse(event.data);
        if (frame.type === "message") {
            render(frame.message);
            lastId = Math.max(lastId, frame.message.id);
            if (!frame.message.mine) {
                $("typing").textContent = "";
                send({ ack: frame.message.id });
                if (shown && document.visibilityState === "visible") send({ read: frame.message.id });
            }
        } else if (frame.type === "state") {
            if (open && !frame.open) ended();
            open = frame.open;
            $("end").disabled = !open;
            seenUpto = frame.seen_upto;
            markSeen();
            if ($("notice").textContent === T.offline) notice("");
        } else if (frame.type === "typing") {
            $("typing").textContent = T.typing(frame.name);
            clearTimeout(typingTimer);
            typingTimer = setTimeout(() => { $("typing").textContent = ""; }, 5000);
        } else if (frame.type === "blocked") {
            canWrite(false);
            notice(T.blocked, true);
            ws.onclose = null;
        }
    };
    ws.onclose = () => {
        if (socket !== ws) return;
        notice(T.offline, true);
        setTimeout(() => { if (socket === ws) connect(); }, socketWait);
        socketWait = Math.min(socketWait * 2, 30000);
    };
}

function send(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
}

// Sends what waits in the outbox, oldest first, one at a time; what fails stays and is
// tried again (sooner when the browser says it is back online).
async function flush() {
    if (flushing || !session) return;
    flushing = true;
    clearTimeout(flushTimer);
    try {
        for (const item of outbox()) {
            try {
                const message = await call("/widget/v1/messages", {
                    key: item.key, text: item.text, attachments: (item.attachments || []).map((file) => file.id),
                });
                keyToId.set(item.key, message.id);
                saveOutbox(outbox().filter((other) => other.key !== item.key));
                // The socket may have brought it first: then the waiting one goes.
                const waiting = log.querySelector(`li[data-key="${CSS.escape(item.key)}"]`);
                if (waiting && log.querySelector(`li[data-id="${message.id}"]`)) waiting.remove();
                else render({ ...message, key: item.key });
                lastId = Math.max(lastId, message.id);
                flushWait = 1000;
                if ($("notice").textContent === T.busy) notice("");
            } catch (error) {
                const item_ = log.querySelector(`li[data-key="${CSS.escape(item.key)}"]`);
                if (error.status && error.status < 500 && error.status !== 429 && error.status !== 401) {
                    // The hub will never take it (too long, say): shown as not sent.
                    saveOutbox(outbox().filter((other) => other.key !== item.key));
                    if (item_) updateState(item_, { pending: false, failed: true });
                    continue;
                }
                if (error.status === 429) notice(T.busy, true);
                if (item_) updateState(item_, { pending: true, retrying: true });
                flushTimer = setTimeout(flush, flushWait);
                flushWait = Math.min(flushWait * 2, 30000);
                break;
            }
        }
    } finally {
        flushing = false;
    }
}

function submit() {
    const words = text.value.trim();
    if (!words || text.disabled) return;
    const item = { key: newKey(), text: words, at: Date.now() };
    saveOutbox([...outbox(), item]);
    render({ key: item.key, text: item.text, mine: true, at: item.at, pending: true });
    text.value = "";
    flush();
}

function ended() {
    const element = document.createElement("li");
    element.className = "greeting";
    element.textContent = T.ended;
    log.append(element);
    $("rating").hidden = false;
}

// A file is uploaded at once (it needs the connection), then sent as a message of its own
// through the outbox like any other.
$("attach").addEventListener("click", () => $("file").click());
$("file").addEventListener("change", async () => {
    const file = $("file").files[0];
    $("file").value = "";
    if (!file || !session) return;
    notice(T.uploading(file.name));
    try {
        const response = await fetch(`/widget/v1/attachments?name=${encodeURIComponent(file.name)}`, {
            method: "POST",
            headers: { Authorization: `Bearer ${session.token}` },
            body: file,
        });
        const answer = await response.json().catch(() => ({}));
        if (!response.ok) {
            notice(response.status === 413 ? T.tooLarge : response.status === 400 ? T.badFile : T.offline, true);
            return;
        }
        notice("");
        const item = { key: newKey(), text: "", attachments: [answer], at: Date.now() };
        saveOutbox([...outbox(), item]);
        render({ ...item, mine: true, pending: true });
        flush();
    } catch {
        notice(T.offline, true);
    }
});

$("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
});
text.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        submit();
    }
});
text.addEventListener("input", () => {
    if (Date.now() - lastTyping >= 1000) {
        lastTyping = Date.now();
        send({ typing: true });
    }
});
$("end").addEventListener("click", async () => {
    try {
        await call("/widget/v1/end", {});
    } catch {
        notice(T.offline, true);
    }
});
$("transcript").addEventListener("click", async () => {
    const response = await fetch("/widget/v1/transcript", {
        headers: { Authorization: `Bearer ${session.token}`, "Accept-Language": T.lang },
    });
    if (!response.ok) return notice(T.offline, true);
    const link = document.createElement("a");
    link.href = URL.createObjectURL(await response.blob());
    link.download = "chat-transcript.txt";
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10000);
});
$("rating").addEventListener("submit", async (event) => {
    event.preventDefault();
    const stars = document.querySelector('input[name="stars"]:checked');
    if (!stars) return;
    try {
        await call("/widget/v1/rating", { stars: Number(stars.value), comment: $("comment").value });
        $("rating").hidden = true;
        notice(T.thanks);
    } catch {
        notice(T.offline, true);
    }
});
$("close").addEventListener("click", () => parent.postMessage({ type: "switchboard:close" }, "*"));
document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") parent.postMessage({ type: "switchboard:close" }, "*");
});
document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && shown && lastId) send({ read: lastId });
});
window.addEventListener("online", flush);

window.addEventListener("message", (event) => {
    // Only the page showing the widget, and only one of the widget's websites, may speak.
    if (event.source !== parent || !config.origins.includes(event.origin)) return;
    const message = event.data || {};
    if (message.type === "switchboard:init") {
        const next = message.user || null;
        const same = session && JSON.stringify(next) === JSON.stringify(user);
        user = next;
        if (!same) begin();
    } else if (message.type === "switchboard:open") {
        shown = true;
        if ($("prechat").hidden) text.focus();
        else $("prechat-name").focus();
        if (lastId) send({ read: lastId });
    }
});

canWrite(false);
if (parent === window) {
    // Opened on its own (not in a website): a chat of its own.
    shown = true;
    begin();
} else {
    parent.postMessage({ type: "switchboard:ready" }, "*");
    parent.postMessage({ type: "switchboard:color", color: config.color }, "*");
}
