# Switchboard escritorio — español.

app-title = Switchboard
starting = Iniciando Switchboard…
language-english = English
language-spanish = Español

## Inicio de sesión
sign-in-title = Inicia sesión en Switchboard
sign-in-server = Servidor
sign-in-server-builtin = Este equipo
sign-in-server-remote = Otro hub
sign-in-server-placeholder = hub.ejemplo.com
sign-in-email = Correo electrónico
sign-in-email-placeholder = tu@empresa.com
sign-in-password = Contraseña
sign-in-remember = Mantener la sesión iniciada
sign-in-submit = Iniciar sesión
sign-in-busy = Iniciando sesión…
sign-in-demo-hint = Demo: { $email } / { $password }

## Errores
error-wrong-password = El correo o la contraseña no son correctos.
error-rate-limited = Demasiados intentos fallidos. Espera unos minutos y vuelve a intentarlo.
error-unreachable = No se puede conectar con el hub en { $url }. Revisa la dirección y tu red.
error-session-expired = Tu sesión ha terminado. Vuelve a iniciar sesión.
error-bad-url = «{ $url }» no es una dirección de hub.
error-missing-fields = Escribe tu correo y tu contraseña.
error-hub = El hub lo rechazó: { $message }
error-unexpected = Algo salió mal: { $message }
error-keychain = El llavero del sistema no está disponible: la próxima vez tendrás que iniciar sesión.
error-builtin-hub = El hub de este equipo no pudo arrancar: { $reason }
error-status-locked = Tu estado está bloqueado durante el trabajo posterior a la llamada.
wrap-up-title = Trabajo posterior a la llamada
wrap-up-ends-in = termina solo en { $time }
wrap-up-done = Hecho
dismiss = Cerrar

## Navegación
nav-dialer = Teclado
nav-conversations = Conversaciones
nav-contacts = Contactos
nav-history = Historial
nav-settings = Ajustes
dialpad-placeholder = Número a llamar
dialpad-delete = Borrar
dialpad-hint = Escribe o pega un número, o usa las teclas.
dialpad-invalid = Aún no es un número completo de { $country }.
dialpad-unknown = No está en tus contactos
dialpad-looking-up = Buscando…
dialpad-formatted = { $national } · { $e164 }
dialpad-caller-id = Identificador de llamada
dialpad-calls-out-as = Llama como { $label } ({ $number })
dialpad-no-caller-id = Esta cuenta no tiene identificador de llamada saliente.
dialpad-call = Llamar al número
error-no-trunk = Este hub aún no tiene línea telefónica (troncal SIP) para números externos. Pide a tu administrador que la configure.
error-no-longer-ringing = La llamada ya no está sonando: la atendió otra persona o quien llamaba colgó.
error-unavailable = Ese compañero no puede atender llamadas ahora mismo.
error-forbidden = Tu rol no permite hacer esto.
error-too-large = Es más grande de lo que el hub acepta.
placeholder-conversations = Aquí aparecerán las conversaciones de SMS, correo y chat en vivo, un hilo por cliente.
placeholder-contacts = Aquí podrás buscar y editar los contactos de tu cuenta.

## Estado
status-available = Disponible
status-away = Ausente
status-on_call = En llamada
status-after_call_work = Trabajo posterior a la llamada
status-offline = Desconectado
status-menu-title = Tu estado
status-locked = Bloqueado durante el trabajo posterior a la llamada
sign-out = Cerrar sesión

## Llamar a un agente
directory-open = Llamar a un agente
directory-title = Llamar a un agente
directory-search = Buscar agentes
directory-search-hint = Escribe al menos 3 caracteres para filtrar.
directory-empty = Ningún agente coincide con «{ $query }».
directory-callable = Disponible para llamar
directory-not-callable = No disponible para llamar
directory-close = Cerrar

## Conexión
connection-lost = Se perdió la conexión con el hub. Reconectando…

## Ajustes
settings-title = Ajustes
settings-language = Idioma
settings-language-system = Idioma del sistema
settings-theme = Tema
settings-theme-light = Claro
settings-theme-dark = Oscuro
settings-devices = Dispositivos de audio
devices-microphone = Micrófono
devices-speaker = Altavoz
devices-ringer = Timbre
devices-default = Predeterminado del sistema
devices-level = Nivel de entrada
devices-test = Reproducir tono de prueba
devices-testing = Reproduciendo…
devices-no-microphone = No se puede abrir el micrófono: { $reason }
devices-test-failed = No se pudo reproducir el tono de prueba: { $reason }
devices-auto-answer = Responder automáticamente las llamadas entrantes
devices-files = Las llamadas usan archivos de audio en lugar de dispositivos: entrada { $input }, salida { $output }
settings-signed-in-as = Sesión iniciada como { $name } ({ $email })
settings-hub = Hub: { $hub }
settings-hub-builtin = este equipo

## Llamadas
directory-call = Llamar
call-calling = Llamando a { $name }…
call-incoming = Llamada entrante de { $name }
call-incoming-via = por { $group }, al { $number }
call-incoming-via-group = por { $group }
call-incoming-waited = en espera { $time }
call-unknown-caller = un número oculto
call-live = En llamada con { $name }
call-accept = Aceptar
call-decline = Rechazar
call-hang-up = Colgar
call-mute = Silenciar
call-unmute = Activar micrófono
call-declined = { $name } rechazó la llamada.
call-ended-failed = Se cortó la llamada con { $name }.
call-card-context = Contexto
call-card-context-empty = No se recogió nada para esta llamada.
call-card-contact = Contacto
call-card-looking-up = Buscando { $number }…
call-card-lookup-failed = No se pudo buscar el contacto: { $reason }
call-card-no-contact = Ningún contacto tiene el { $number }.
call-card-name-company = { $name } · { $company }
call-card-more-contacts = { $count ->
    [one] Otro contacto más tiene este número.
   *[other] Otros { $count } contactos tienen este número.
}
call-link-failed = No se pudo abrir el enlace: { $reason }
call-contact-create = Crear contacto
call-contact-create-title = Nuevo contacto para { $number }
call-contact-name = Nombre
call-contact-company = Empresa (opcional)
call-contact-save = Guardar contacto
call-contact-cancel = Cancelar
call-contact-name-needed = Un contacto necesita un nombre.
call-ringing-out = Sonando en { $name }…
call-busy = { $name } está ocupado.
call-no-answer = { $name } no contestó.
call-missed = Tienes una llamada perdida de { $name }.
call-unreachable = No se puede contactar con { $name }: el número no existe o la red telefónica rechazó la llamada.
call-not-placed = No se pudo realizar la llamada a { $name }: falló la línea telefónica. Inténtalo de nuevo o avisa a tu administrador si sigue pasando.
call-no-audio = La llamada no empezó: no hay micrófono o altavoz disponible ({ $reason }).
call-failed = La llamada no empezó: { $reason }
call-no-relay = La llamada no empezó: sus llamadas deben pasar por un servidor de retransmisión y no se pudo contactar con ninguno. Avise a su administrador. ({ $reason })
call-hold = En espera
call-resume = Reanudar
call-on-hold = En espera
call-held-by-other = { $name } te puso en espera
call-keypad = Teclado
call-keypad-hint = Las teclas se envían a la otra parte al pulsarlas.
call-keys-sent = Enviado: { $keys }
call-transfer = Transferir
call-transfer-to = Transferir a
call-transfer-nobody = Nadie puede atender una llamada ahora.
call-transferred = Transferiste la llamada a { $name }.
call-transferred-by = { $by } te transfirió — llamando a { $name }…
call-returned-declined = { $name } ha vuelto: { $to } rechazó la transferencia.
call-returned-busy = { $name } ha vuelto: { $to } estaba ocupado.
call-returned-no-answer = { $name } ha vuelto: { $to } no contestó.
call-returned-unreachable = { $name } ha vuelto: no se pudo contactar con { $to }.
call-returned-failed = { $name } ha vuelto: la transferencia a { $to } falló.
call-returned-waiting = La transferencia a { $to } no se completó: llamando a { $name }…
call-poor-connection = Conexión deficiente
call-lost = Se cortó la llamada con { $name }: { $reason }
notify-incoming = Llamada entrante
notify-incoming-body = { $name } te está llamando

## Pestañas de la llamada, notas y cierre
tab-snapshot = Resumen
tab-notes = Notas
call-card-ring-group = Grupo de timbrado
call-card-no-ring-group = No la ofreció un grupo de timbrado
call-card-dialled = Marcó { $number }
notes-disposition = Tipificación
notes-no-dispositions = Tu cuenta no tiene tipificaciones para elegir.
notes-placeholder = Notas de esta llamada: se guardan mientras escribes
notes-saved = Guardadas
notes-saved-here = Guardadas en este equipo; enviando…
notes-too-long = Las notas tienen un máximo de { $max } caracteres; acórtalas para guardarlas.
wrap-up-no-call = No se encontró la llamada que estás cerrando.
error-local-notes = Las notas no se pudieron guardar en este equipo: { $reason }

## Historial
when-yesterday = Ayer { $time }
history-recent = Llamadas recientes
history-loading = Cargando tus llamadas…
history-failed = No se pudieron cargar tus llamadas: { $reason }
history-empty = Aún no hay llamadas. Aquí aparecen las llamadas que haces y atiendes.
history-call-back = Devolver llamada
history-no-notes = Esta llamada no tiene notas.
history-notes-by = { $name } · { $disposition }
history-transferred-to = Transferida a { $name }
history-ongoing = En curso
history-missed = Perdida
history-completed = Completada
history-declined = Rechazada
history-cancelled = El cliente colgó
history-failed-call = Cortada
history-no-answer = Sin respuesta
history-busy = Ocupado
history-unreachable = No se pudo contactar
history-voicemail = Dejó un mensaje de voz
call-card-past = Interacciones anteriores
call-card-past-none = No hay llamadas anteriores con este contacto.
call-card-past-failed = No se pudieron cargar las interacciones anteriores: { $reason }
call-card-past-more = { $count ->
    [one] y una más en el Historial
   *[other] y { $count } más en el Historial
}

## Identidad
tab-identity = Identidad
identity-checking = Comprobando quién llama…
identity-risk-low = Riesgo bajo
identity-risk-medium = Riesgo medio
identity-risk-high = Riesgo alto
identity-no-concerns = Nada indica que quien llama no sea quien dice el número.
identity-number = Número
identity-valid = Válido
identity-invalid = No es un número válido
identity-line-type = Tipo de línea
identity-country = País
identity-attestation = Identificador
identity-block-list = Lista de bloqueo
identity-blocked = En la lista de bloqueo de la cuenta
identity-not-blocked = No bloqueado
identity-block = Bloquear este número
identity-unblock = Quitar de la lista de bloqueo
identity-velocity = Llamadas desde él
identity-velocity-counts = { $hour } en la última hora, { $day } en el último día
identity-teaser-title = Sepa quién llama de verdad
identity-teaser-body = Identidad comprueba el número de cada llamada —si es válido, qué tipo de línea es, si la red telefónica lo avala (STIR/SHAKEN), si está en su lista de bloqueo y cuántas veces ha llamado— y verifica a los clientes habituales por su voz.
identity-teaser-ask = Su cuenta no tiene Identidad. Pida a su administrador que la añada.
line-mobile = Móvil
line-fixed = Fijo
line-fixed-or-mobile = Fijo o móvil
line-toll-free = Gratuito
line-premium-rate = Tarificación adicional
line-shared-cost = Coste compartido
line-voip = Internet (VoIP)
line-personal = Número personal
line-pager = Buscapersonas
line-voicemail = Acceso a buzón de voz
line-unknown = Desconocido
attestation-a = Verificado por el operador (atestación completa, A)
attestation-b = Cliente conocido, número sin verificar (atestación parcial, B)
attestation-c = Solo se sabe por dónde entró la llamada (atestación de pasarela, C)
attestation-none = Sin firma de la red telefónica
attestation-failed = La firma falló: { $reason }
shaken-malformed = no es una firma SHAKEN válida
shaken-number-mismatch = se hizo para otro número
shaken-stale = es demasiado antigua (la llamada puede ser una repetición)
shaken-certificate-unavailable = no se pudo obtener su certificado
shaken-certificate-untrusted = su certificado no es de una autoridad de confianza
shaken-bad-signature = no corresponde a la llamada
shaken-no-trust-anchors = este hub no tiene autoridades con las que comprobarla
risk-no-number = Quien llama ocultó su número.
risk-invalid-number = El número no es válido.
risk-premium-rate = Es un número de tarificación adicional.
risk-blocked = El número está en su lista de bloqueo.
risk-signature-failed = La firma del identificador falló: el número puede estar falsificado.
risk-not-attested = La red telefónica no avala el número.
risk-partial-attestation = El operador conoce al cliente, pero no que el número sea suyo.
risk-gateway-attestation = El operador solo sabe por dónde entró la llamada.
risk-many-calls-hour = { $count ->
    [one] Ya llamó una vez en la última hora.
   *[other] Llamó { $count } veces en la última hora.
}
risk-many-calls-day = Llamó { $count } veces en el último día.
voice-title = Biometría de voz
voice-no-contact = La voz de quien llama se puede comprobar cuando sea uno de sus contactos.
voice-listening = Escuchando a quien llama…
voice-heard = { $seconds } s de voz escuchados (se necesitan { $needed } s)
voice-authenticated = Autenticado: la voz coincide con la huella vocal de { $name } (puntuación { $score }).
voice-not-authenticated = No autenticado: la voz no coincide con la huella vocal de { $name } (puntuación { $score }).
voice-not-enough = Aún no hay voz suficiente para comparar.
voice-enrolled = La huella vocal de { $name } está guardada.
voice-not-enrolled = { $name } aún no tiene huella vocal.
voice-consent = { $name } acepta que se guarde su huella vocal
voice-enrol = Registrar huella vocal
call-recording = Grabando
call-recording-paused = Grabación en pausa
call-recording-pause = Pausar grabación
call-recording-resume = Reanudar grabación
history-play = Reproducir grabación ({ $length })
history-stop = Detener
history-loading-recording = Cargando la grabación…
history-play-failed = No se pudo reproducir la grabación: { $reason }
call-transfer-to-group = Devolver a una cola
call-consult-with = Consultar antes
call-consult-group = Consultar a un grupo
call-consult-ringing = Llamando a { $name } para consultar…
call-consult-talking = Consultando con { $name } (el cliente está en espera)
call-consult-complete = Completar transferencia
call-consult-cancel = Volver con el cliente
call-incoming-consult = { $name } quiere consultarle sobre una llamada
call-three-way-start = Llamada a tres
call-three-way = Llamada a tres con { $first } y { $second }
call-three-way-drop = Sacar a { $name }
call-three-way-leave = Salir de la llamada
call-three-way-joined = Llamada a tres: { $name } y el cliente
call-transfer-to-number = O a un número
call-transfer-number = Número
call-transfer-number-invalid = Todavía no es un número que se pueda marcar.
call-transfer-number-not-dialable = { $number } no es un número que se pueda marcar.
call-transfer-go = Transferir la llamada
call-consult-number = Consultar al número
