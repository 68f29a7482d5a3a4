// A website visitor, in Debian's headless Chromium, chatting through the hub's live chat
// widget on a shop's page (served by the test from another origin). The test plays the agent
// and paces this script: it prints one JSON line per step on stdout ({"step": NAME, ...})
// and, where it must wait for the agent, reads one line on stdin before going on.
//
// usage: node widget.mjs CONFIG_JSON
//   { shop, goodHash, badHash, userId, preChatWidget, outDir, chromium? }
// Exits non-zero with the reason on stderr when anything fails.

import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";

const config = JSON.parse(process.argv[2]);
const say = (line) => process.stdout.write(JSON.stringify(line) + "\n");
const commands = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
async function agentDid(what) {
    const { value, done } = await commands.next();
    if (done || value.trim() !== what) throw new Error(`expected "${what}" from the test, got ${value}`);
}
const WAIT = { timeout: 60_000 };

let browser;
try {
    // Each context below is a fresh profile: a device of its own.
    browser = await chromium.launch({
        executablePath: config.chromium ?? "/usr/bin/chromium",
        headless: true,
        args: [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
        ],
    });
    const device = () => browser.newContext({ locale: "en-US", acceptDownloads: true });
    const visitor = await device();
    const page = await visitor.newPage();
    page.on("console", (message) => process.stderr.write(`[page] ${message.text()}\n`));
    page.on("pageerror", (error) => process.stderr.write(`[page error] ${error}\n`));
    await page.goto(`${config.shop}/shop.html`);
    const chat = page.frameLocator("#switchboard-chat-frame");

    // The keyboard alone: Tab reaches the chat button (its focus visible), Enter opens the
    // chat with the cursor in the message box, Enter sends.
    let focused = "";
    for (let i = 0; i < 10 && focused !== "switchboard-chat-button"; i++) {
        await page.keyboard.press("Tab");
        focused = await page.evaluate(() => document.activeElement?.id ?? "");
    }
    if (focused !== "switchboard-chat-button") throw new Error("Tab never reached the chat button");
    const ring = await page.evaluate(() => {
        const style = getComputedStyle(document.activeElement);
        return { style: style.outlineStyle, width: style.outlineWidth, visible: document.activeElement.matches(":focus-visible") };
    });
    if (!ring.visible || ring.style === "none") throw new Error(`the chat button's focus is not visible: ${JSON.stringify(ring)}`);
    await page.keyboard.press("Enter");
    await chat.locator("#text:not([disabled])").waitFor(WAIT);
    await page.waitForFunction(
        () => document.activeElement === document.getElementById("switchboard-chat-frame"), null, WAIT);
    const inBox = await chat.locator("#text").evaluate((box) => document.activeElement === box);
    if (!inBox) throw new Error("opening the chat did not put the cursor in the message box");
    const boxRing = await chat.locator("#text").evaluate((box) => getComputedStyle(box).outlineStyle);
    if (boxRing === "none") throw new Error("the message box's focus is not visible");
    await page.keyboard.type("Hello, where is my order?");
    await page.keyboard.press("Enter");
    await chat.locator("li.mine[data-id]", { hasText: "Hello, where is my order?" }).waitFor(WAIT);
    // Tab order inside the chat: message box, Attach, Send, End chat, Download transcript.
    await chat.locator("#end:not([disabled])").waitFor(WAIT);
    const order = [];
    await chat.locator("#text").focus();
    for (let i = 0; i < 4; i++) {
        await page.keyboard.press("Tab");
        order.push(await chat.locator("body").evaluate(() => document.activeElement.id));
    }
    if (order.join(",") !== "attach,send,end,transcript") throw new Error(`tab order: ${order}`);
    await chat.locator("#text").focus();
    say({ step: "sent" });

    // The agent types: the visitor sees it; then the agent's reply shows.
    await chat.locator("#typing", { hasText: "is typing" }).waitFor(WAIT);
    say({ step: "saw-typing", typing: await chat.locator("#typing").textContent() });
    await agentDid("replied");
    await chat.locator("li:not(.mine)", { hasText: "It ships today" }).waitFor(WAIT);
    say({ step: "got-reply" });

    // The visitor types (the agent sees it); the agent reads: "Seen" under the message.
    await chat.locator("#text").pressSequentially("Thanks", { delay: 50 });
    say({ step: "typing" });
    await agentDid("read");
    await chat.locator("li.mine", { hasText: "Hello, where is my order?" }).locator(".state", { hasText: "Seen" }).waitFor(WAIT);
    await chat.locator("#text").fill("");

    // Offline: the message waits, and goes once when the connection is back.
    await visitor.setOffline(true);
    await chat.locator("#text").fill("Are you still there?");
    await page.keyboard.press("Enter");
    await chat.locator("li.mine.pending", { hasText: "Are you still there?" }).locator(".state", { hasText: "will retry" }).waitFor(WAIT);
    await visitor.setOffline(false);
    await chat.locator("li.mine[data-id]", { hasText: "Are you still there?" }).waitFor(WAIT);
    // A reload shows it once, from the hub.
    await page.reload();
    await page.locator("#switchboard-chat-button").click();
    await chat.locator("li.mine[data-id]", { hasText: "Hello, where is my order?" }).waitFor(WAIT);
    const copies = await chat.locator("li", { hasText: "Are you still there?" }).count();
    say({ step: "offline-sent", copies });

    // A picture from the visitor shows in place (fetched with the token, not by URL).
    await chat.locator("#file").setInputFiles(config.picture);
    const picture = chat.locator("li.mine[data-id] img[alt='receipt.png'][src^='blob:']");
    await picture.waitFor(WAIT);
    const width = await picture.evaluate(async (image) => { await image.decode(); return image.naturalWidth; });
    say({ step: "attached", width });

    // The agent sends a file back: a download button, whose bytes arrive whole.
    await agentDid("sent-file");
    const file = chat.locator("li:not(.mine) button.file", { hasText: "notes.pdf" });
    await file.waitFor(WAIT);
    const [got] = await Promise.all([page.waitForEvent("download", WAIT), file.click()]);
    say({ step: "got-file", name: got.suggestedFilename(), base64: readFileSync(await got.path()).toString("base64") });

    // The transcript downloads with the whole chat.
    const [download] = await Promise.all([page.waitForEvent("download", WAIT), chat.locator("#transcript").click()]);
    const transcript = readFileSync(await download.path(), "utf8");
    say({ step: "transcript", transcript });

    // Ending the chat asks for a rating.
    await chat.locator("#end").click();
    await chat.locator("#rating").waitFor({ state: "visible", ...WAIT });
    await chat.locator('input[name="stars"][value="5"]').check();
    await chat.locator("#comment").fill("Quick and kind");
    await chat.locator("#rate").click();
    await chat.locator("#notice", { hasText: "Thank you" }).waitFor(WAIT);
    await page.screenshot({ path: join(config.outDir, "widget.png") });
    say({ step: "rated" });

    // A signed-in user whom the shop vouches for: on another device, the same thread.
    for (const name of ["laptop", "phone"]) {
        const other = await (await device()).newPage();
        await other.goto(`${config.shop}/shop.html?user=${config.userId}&hash=${config.goodHash}`);
        const otherChat = other.frameLocator("#switchboard-chat-frame");
        await other.locator("#switchboard-chat-button").click();
        await otherChat.locator("#text:not([disabled])").waitFor(WAIT);
        await otherChat.locator("#text").fill(`Hi from my ${name}`);
        await otherChat.locator("#send").click();
        await otherChat.locator("li.mine[data-id]", { hasText: `Hi from my ${name}` }).waitFor(WAIT);
        const mine = await otherChat.locator("li.mine").allTextContents();
        say({ step: "signed-in", device: name, mine });
        await other.close();
    }

    // A wrong signature: refused, nothing can be written.
    const forged = await (await device()).newPage();
    await forged.goto(`${config.shop}/shop.html?user=${config.userId}&hash=${config.badHash}`);
    const forgedChat = forged.frameLocator("#switchboard-chat-frame");
    await forged.locator("#switchboard-chat-button").click();
    await forgedChat.locator("#notice", { hasText: "could not confirm" }).waitFor(WAIT);
    const disabled = await forgedChat.locator("#text").isDisabled();
    say({ step: "forged", disabled });

    // A widget with a pre-chat form: name and email first, with the keyboard.
    const asked = await (await device()).newPage();
    await asked.goto(`${config.shop}/shop.html?w=${config.preChatWidget}`);
    const askedChat = asked.frameLocator("#switchboard-chat-frame");
    await asked.locator("#switchboard-chat-button").focus();
    await asked.keyboard.press("Enter");
    await askedChat.locator("#prechat").waitFor({ state: "visible", ...WAIT });
    await askedChat.locator("#prechat-name:focus").waitFor(WAIT);
    await asked.keyboard.type("María López");
    await asked.keyboard.press("Tab");
    await asked.keyboard.type("Maria@Example.com");
    await asked.keyboard.press("Enter");
    await askedChat.locator("#text:not([disabled])").waitFor(WAIT);
    await askedChat.locator("#text").fill("Do you ship to Spain?");
    await asked.keyboard.press("Enter");
    await askedChat.locator("li.mine[data-id]", { hasText: "Do you ship to Spain?" }).waitFor(WAIT);
    say({ step: "pre-chat" });
} catch (error) {
    process.stderr.write(`${error.stack ?? error}\n`);
    process.exitCode = 1;
} finally {
    await browser?.close();
    process.stdin.destroy();
}
