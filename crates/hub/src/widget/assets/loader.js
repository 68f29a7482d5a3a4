// Switchboard live chat. A website adds it with one tag:
//   <script src="https://HUB/widget.js" data-widget="wg_…" async></script>
// and, for a signed-in user, data-user-id and data-user-hash (hex HMAC-SHA256 of the id with
// the widget's secret, computed by the website's server), optionally data-user-name and
// data-user-email; or later: Switchboard.identify({ id, hash, name, email }).
// The chat itself runs in a frame from the hub's origin: the visitor's token stays there.
(function () {
    "use strict";
    var script = document.currentScript;
    if (!script || window.Switchboard) return;
    var hub = new URL(script.src).origin;
    var widget = script.getAttribute("data-widget");
    if (!widget) {
        console.error("Switchboard chat: the script tag needs data-widget");
        return;
    }
    var spanish = (navigator.language || "en").toLowerCase().indexOf("es") === 0;
    var words = spanish
        ? { open: "Chatea con nosotros", close: "Cerrar el chat", frame: "Chat" }
        : { open: "Chat with us", close: "Close the chat", frame: "Chat" };
    var data = script.dataset;
    var user = data.userId
        ? { id: data.userId, hash: data.userHash || "", name: data.userName || "", email: data.userEmail || "" }
        : null;

    var frame = document.createElement("iframe");
    frame.src = hub + "/widget/v1/frame/" + encodeURIComponent(widget);
    frame.title = words.frame;
    frame.id = "switchboard-chat-frame";
    frame.setAttribute("referrerpolicy", "origin");
    var frameStyle = {
        position: "fixed", right: "16px", bottom: "76px", width: "min(380px, calc(100vw - 32px))",
        height: "min(560px, calc(100vh - 96px))", border: "0", borderRadius: "12px",
        boxShadow: "0 8px 28px rgba(0,0,0,.25)", zIndex: "2147483646", display: "none",
        background: "#fff",
    };
    Object.keys(frameStyle).forEach(function (key) { frame.style[key] = frameStyle[key]; });

    var button = document.createElement("button");
    button.type = "button";
    button.id = "switchboard-chat-button";
    button.textContent = words.open;
    button.setAttribute("aria-expanded", "false");
    button.setAttribute("aria-controls", frame.id);
    var buttonStyle = {
        position: "fixed", right: "16px", bottom: "16px", zIndex: "2147483647", padding: "12px 18px",
        border: "0", borderRadius: "24px", background: "#1a73e8", color: "#fff",
        font: "600 15px system-ui, sans-serif", cursor: "pointer", boxShadow: "0 4px 14px rgba(0,0,0,.25)",
    };
    Object.keys(buttonStyle).forEach(function (key) { button.style[key] = buttonStyle[key]; });

    var ready = false;
    var open = false;
    var waiting = [];
    function tell(message) {
        if (ready) frame.contentWindow.postMessage(message, hub);
        else waiting.push(message);
    }
    function show(yes) {
        open = yes;
        frame.style.display = yes ? "block" : "none";
        button.setAttribute("aria-expanded", yes ? "true" : "false");
        button.textContent = yes ? words.close : words.open;
        if (yes) {
            frame.focus();
            tell({ type: "switchboard:open" });
        }
    }
    button.addEventListener("click", function () { show(!open); });
    window.addEventListener("message", function (event) {
        if (event.origin !== hub || event.source !== frame.contentWindow) return;
        var message = event.data || {};
        if (message.type === "switchboard:ready") {
            ready = true;
            frame.contentWindow.postMessage({ type: "switchboard:init", user: user }, hub);
            waiting.splice(0).forEach(tell);
        } else if (message.type === "switchboard:close") {
            show(false);
            button.focus();
        } else if (message.type === "switchboard:color" && /^#[0-9a-f]{6}$/i.test(message.color)) {
            button.style.background = message.color;
        }
    });
    window.Switchboard = {
        identify: function (who) {
            user = who ? { id: String(who.id), hash: String(who.hash), name: who.name || "", email: who.email || "" } : null;
            tell({ type: "switchboard:init", user: user });
        },
        open: function () { show(true); },
        close: function () { show(false); },
    };
    function mount() {
        document.body.appendChild(frame);
        document.body.appendChild(button);
    }
    if (document.body) mount();
    else document.addEventListener("DOMContentLoaded", mount);
})();
