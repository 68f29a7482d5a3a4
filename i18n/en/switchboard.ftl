# Switchboard desktop — English (the source of truth; every id here exists in es too).

app-title = Switchboard
starting = Starting Switchboard…
language-english = English
language-spanish = Español

## Sign-in
sign-in-title = Sign in to Switchboard
sign-in-server = Server
sign-in-server-builtin = This computer
sign-in-server-remote = Another hub
sign-in-server-placeholder = hub.example.com
sign-in-email = Email
sign-in-email-placeholder = you@company.com
sign-in-password = Password
sign-in-remember = Keep me signed in
sign-in-submit = Sign in
sign-in-busy = Signing in…
sign-in-demo-hint = Demo: { $email } / { $password }

## Errors
error-wrong-password = The email or password is not right.
error-rate-limited = Too many failed attempts. Wait a few minutes and try again.
error-unreachable = Cannot reach the hub at { $url }. Check the address and your network.
error-session-expired = Your session has ended. Sign in again.
error-bad-url = “{ $url }” is not a hub address.
error-missing-fields = Enter your email and password.
error-hub = The hub refused: { $message }
error-unexpected = Something went wrong: { $message }
error-keychain = The keychain is not available, so you will be asked to sign in next time.
error-builtin-hub = The hub on this computer could not start: { $reason }
error-status-locked = Your status is locked during after-call work.
wrap-up-title = After-call work
wrap-up-ends-in = ends by itself in { $time }
wrap-up-done = Done
dismiss = Dismiss

## Navigation
nav-dialer = Dialer
nav-conversations = Conversations
nav-contacts = Contacts
nav-history = History
nav-settings = Settings
dialpad-placeholder = Number to call
dialpad-delete = Delete
dialpad-hint = Type or paste a number, or use the keys.
dialpad-invalid = Not a complete number for { $country } yet.
dialpad-unknown = Not in your contacts
dialpad-looking-up = Looking up…
dialpad-formatted = { $national } · { $e164 }
dialpad-caller-id = Caller ID
dialpad-calls-out-as = Calls out as { $label } ({ $number })
dialpad-no-caller-id = No outbound caller ID is set up for this account.
dialpad-call = Call number
error-no-trunk = This hub has no phone line (SIP trunk) for outside numbers yet. Ask your administrator to set one up.
error-no-longer-ringing = The call is no longer ringing: someone else took it, or the caller hung up.
error-unavailable = That colleague cannot take calls right now.
error-forbidden = Your role does not allow this.
error-too-large = That is larger than the hub accepts.
placeholder-conversations = SMS, email and live-chat conversations will appear here, one thread per customer.
placeholder-contacts = Your account’s contacts will be searchable and editable here.

## Status
status-available = Available
status-away = Away
status-on_call = On a call
status-after_call_work = After-call work
status-offline = Offline
status-menu-title = Your status
status-locked = Locked during after-call work
sign-out = Sign out

## Call an Agent
directory-open = Call an Agent
directory-title = Call an Agent
directory-search = Search agents
directory-search-hint = Type at least 3 characters to filter.
directory-empty = No agent matches “{ $query }”.
directory-callable = Callable
directory-not-callable = Not callable
directory-close = Close

## Connection
connection-lost = Connection to the hub lost. Reconnecting…

## Settings
settings-title = Settings
settings-language = Language
settings-language-system = System language
settings-theme = Theme
settings-theme-light = Light
settings-theme-dark = Dark
settings-devices = Audio devices
devices-microphone = Microphone
devices-speaker = Speaker
devices-ringer = Ringer
devices-default = System default
devices-level = Input level
devices-test = Play test tone
devices-testing = Playing…
devices-no-microphone = The microphone cannot be opened: { $reason }
devices-test-failed = The test tone could not play: { $reason }
devices-auto-answer = Answer incoming calls automatically
devices-files = Calls use audio files instead of devices: in { $input }, out { $output }
settings-signed-in-as = Signed in as { $name } ({ $email })
settings-hub = Hub: { $hub }
settings-hub-builtin = this computer

## Calls
directory-call = Call
call-calling = Calling { $name }…
call-incoming = Incoming call from { $name }
call-incoming-via = via { $group }, to { $number }
call-incoming-via-group = via { $group }
call-incoming-waited = waiting { $time }
call-unknown-caller = an unknown caller
call-live = On a call with { $name }
call-accept = Accept
call-decline = Decline
call-hang-up = Hang up
call-mute = Mute
call-unmute = Unmute
call-declined = { $name } declined the call.
call-ended-failed = The call with { $name } was cut off.
call-card-context = Context
call-card-context-empty = Nothing collected for this call.
call-card-contact = Contact
call-card-looking-up = Looking up { $number }…
call-card-lookup-failed = The contact could not be looked up: { $reason }
call-card-no-contact = No contact has { $number }.
call-card-name-company = { $name } · { $company }
call-card-more-contacts = { $count ->
    [one] One more contact has this number.
   *[other] { $count } more contacts have this number.
}
call-link-failed = The link could not be opened: { $reason }
call-contact-create = Create contact
call-contact-create-title = New contact for { $number }
call-contact-name = Name
call-contact-company = Company (optional)
call-contact-save = Save contact
call-contact-cancel = Cancel
call-contact-name-needed = A contact needs a name.
call-ringing-out = Ringing { $name }…
call-busy = { $name } is busy.
call-no-answer = { $name } did not answer.
call-missed = You missed a call from { $name }.
call-unreachable = { $name } cannot be reached: the number does not exist or the phone network refused the call.
call-not-placed = The call to { $name } could not be placed: the phone line failed. Try again, or tell your administrator if it keeps happening.
call-no-audio = The call did not start: no usable microphone or speaker ({ $reason }).
call-failed = The call did not start: { $reason }
call-no-relay = The call did not start: your calls must go through a relay server, and none could be reached. Tell your administrator. ({ $reason })
call-hold = Hold
call-resume = Resume
call-on-hold = On hold
call-held-by-other = { $name } put you on hold
call-keypad = Keypad
call-keypad-hint = Keys are sent to the other party as you press them.
call-keys-sent = Sent: { $keys }
call-transfer = Transfer
call-transfer-to = Transfer to
call-transfer-nobody = Nobody can take a call right now.
call-transferred = You transferred the call to { $name }.
call-transferred-by = { $by } transferred you — calling { $name }…
call-returned-declined = { $name } is back: { $to } declined the transfer.
call-returned-busy = { $name } is back: { $to } was busy.
call-returned-no-answer = { $name } is back: { $to } did not answer.
call-returned-unreachable = { $name } is back: { $to } could not be reached.
call-returned-failed = { $name } is back: the transfer to { $to } failed.
call-returned-waiting = The transfer to { $to } did not go through — calling { $name }…
call-poor-connection = Poor connection
call-lost = The call with { $name } was cut off: { $reason }
notify-incoming = Incoming call
notify-incoming-body = { $name } is calling you

## The call's tabs, notes and wrap-up
tab-snapshot = Snapshot
tab-notes = Notes
call-card-ring-group = Ring group
call-card-no-ring-group = Not offered by a ring group
call-card-dialled = Dialled { $number }
notes-disposition = Disposition
notes-no-dispositions = Your account has no dispositions to pick from.
notes-placeholder = Notes on this call — saved as you type
notes-saved = Saved
notes-saved-here = Saved on this computer; sending…
notes-too-long = Notes are limited to { $max } characters; shorten them to save.
wrap-up-no-call = The call being wrapped up could not be found.
error-local-notes = Notes could not be kept on this computer: { $reason }

## History
when-yesterday = Yesterday { $time }
history-recent = Recent calls
history-loading = Loading your calls…
history-failed = Your calls could not be loaded: { $reason }
history-empty = No calls yet. Calls you make and take are listed here.
history-call-back = Call back
history-no-notes = No notes on this call.
history-notes-by = { $name } · { $disposition }
history-transferred-to = Transferred to { $name }
history-ongoing = Going on
history-missed = Missed
history-completed = Completed
history-declined = Declined
history-cancelled = Caller hung up
history-failed-call = Cut off
history-no-answer = No answer
history-busy = Busy
history-unreachable = Could not be reached
history-voicemail = Left a voicemail
call-card-past = Past interactions
call-card-past-none = No earlier calls with this contact.
call-card-past-failed = The past interactions could not be loaded: { $reason }
call-card-past-more = { $count ->
    [one] and one more in History
   *[other] and { $count } more in History
}

## Identity
tab-identity = Identity
identity-checking = Checking who is calling…
identity-risk-low = Low risk
identity-risk-medium = Medium risk
identity-risk-high = High risk
identity-no-concerns = Nothing suggests the caller is not who the number says.
identity-number = Number
identity-valid = Valid
identity-invalid = Not a valid number
identity-line-type = Line type
identity-country = Country
identity-attestation = Caller ID
identity-block-list = Block list
identity-blocked = On the account’s block list
identity-not-blocked = Not blocked
identity-block = Block this number
identity-unblock = Take off the block list
identity-velocity = Calls from it
identity-velocity-counts = { $hour } in the last hour, { $day } in the last day
identity-teaser-title = Know who is really calling
identity-teaser-body = Identity checks every caller’s number — whether it is valid, what kind of line it is, whether the phone network vouches for it (STIR/SHAKEN), whether it is on your block list and how often it has called — and verifies returning customers by their voice.
identity-teaser-ask = Your account does not have Identity. Ask your administrator to add it.
line-mobile = Mobile
line-fixed = Landline
line-fixed-or-mobile = Landline or mobile
line-toll-free = Toll-free
line-premium-rate = Premium rate
line-shared-cost = Shared cost
line-voip = Internet (VoIP)
line-personal = Personal number
line-pager = Pager
line-voicemail = Voicemail access
line-unknown = Unknown
attestation-a = Verified by the carrier (full attestation, A)
attestation-b = Customer known, number not verified (partial attestation, B)
attestation-c = Only where the call entered the network (gateway attestation, C)
attestation-none = Not signed by the phone network
attestation-failed = The signature failed: { $reason }
shaken-malformed = it is not a valid SHAKEN signature
shaken-number-mismatch = it was made for another number
shaken-stale = it is too old (the call may be replayed)
shaken-certificate-unavailable = its certificate could not be fetched
shaken-certificate-untrusted = its certificate is not from a trusted authority
shaken-bad-signature = it does not match the call
shaken-no-trust-anchors = this hub has no authorities to check it against
risk-no-number = The caller withheld their number.
risk-invalid-number = The number is not a valid one.
risk-premium-rate = It is a premium-rate number.
risk-blocked = The number is on your block list.
risk-signature-failed = The caller ID’s signature failed: the number may be spoofed.
risk-not-attested = The phone network does not vouch for the number.
risk-partial-attestation = The carrier knows the customer but not that the number is theirs.
risk-gateway-attestation = The carrier only knows where the call came in.
risk-many-calls-hour = { $count ->
    [one] It called once already in the last hour.
   *[other] It called { $count } times in the last hour.
}
risk-many-calls-day = It called { $count } times in the last day.
voice-title = Voice biometrics
voice-no-contact = The caller’s voice can be checked once they are one of your contacts.
voice-listening = Listening to the caller…
voice-heard = Heard { $seconds } s of speech ({ $needed } s needed)
voice-authenticated = Authenticated: the voice matches { $name }’s voiceprint (score { $score }).
voice-not-authenticated = Not authenticated: the voice does not match { $name }’s voiceprint (score { $score }).
voice-not-enough = Not enough speech yet to compare.
voice-enrolled = { $name }’s voiceprint is kept.
voice-not-enrolled = { $name } has no voiceprint yet.
voice-consent = { $name } agrees to have their voiceprint kept
voice-enrol = Enrol voiceprint
call-recording = Recording
call-recording-paused = Recording paused
call-recording-pause = Pause recording
call-recording-resume = Resume recording
history-play = Play recording ({ $length })
history-stop = Stop
history-loading-recording = Loading the recording…
history-play-failed = The recording could not be played: { $reason }
call-transfer-to-group = Back to a queue
call-consult-with = Consult first
call-consult-group = Consult a ring group
call-consult-ringing = Calling { $name } to consult…
call-consult-talking = Consulting { $name } (the caller is on hold)
call-consult-complete = Complete transfer
call-consult-cancel = Back to the caller
call-incoming-consult = { $name } wants to consult you about a call
call-three-way-start = Three-way call
call-three-way = Three-way call with { $first } and { $second }
call-three-way-drop = Drop { $name }
call-three-way-leave = Leave the call
call-three-way-joined = Three-way call: { $name } and the caller
call-transfer-to-number = Or to a number
call-transfer-number = Number
call-transfer-number-invalid = Not a number that can be dialled yet.
call-transfer-number-not-dialable = { $number } is not a number that can be dialled.
call-transfer-go = Transfer the call
call-consult-number = Consult the number
