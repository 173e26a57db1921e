/** The issuer site's words in Spanish. */
import type { Catalogue } from '../../web/i18n.ts';
import type { CaKey } from './en.ts';

export const es: Catalogue<CaKey> = {
  languages: 'Idioma',
  skip: 'Ir al contenido',
  navLabel: 'Sitio del emisor',
  navHome: 'Inicio',
  navRegister: 'Registrar una tarjeta',
  navTestCards: 'Tarjetas de prueba',
  navCertificates: 'Certificados',
  navMerchants: 'Comercios',
  footer:
    'Entorno de pruebas para desarrolladores de SET/2: aquí no se mueve dinero real. Los certificados y las tarjetas son solo para pruebas.',
  back: 'Volver',

  homeTitle: 'Emisor',
  homeLede:
    'El emisor de tarjetas del entorno de pruebas SET/2 para la marca {brand}. Gestiona las autoridades de certificación de la marca: la CA de titulares, que registra tarjetas en SET Wallet, la CA de comercios y la CA de pasarelas de pago.',
  homeStart: 'Para empezar',
  homeRegister: '{link} en SET Wallet, para pagar con ella en la tienda de demostración.',
  homeTestCards:
    '{link}: números que se aprueban, se rechazan, no tienen fondos, están caducados o robados, o agotan el tiempo de espera.',
  homeCertificates: '{link} emitidos por las autoridades de este emisor, y su revocación.',
  homeDevelopers: 'Para desarrolladores',
  homeEndpoints: 'Puntos de acceso de este sitio',
  homeEndpoint: 'Punto de acceso',
  homeServes: 'Qué atiende',
  homeCca: 'CA de titulares: CardCInitReq, RegFormReq, CertReq',
  homeMca: 'CA de comercios: Me-AqCInitReq, CertReq (comercios)',
  homePca: 'CA de pasarelas de pago: Me-AqCInitReq, CertReq (pasarelas)',
  homeCrl: 'La CRL vigente de cada CA (DER, {type})',
  homeBci: 'El BrandCRLIdentifier, firmado por la CA de la marca, con las CRL en vigor',
  homeRoot: 'El certificado raíz del entorno de pruebas, para las raíces de confianza del monedero',
  homeRevoke:
    'Revoca un certificado por su número de serie: {header} con el token de administración del entorno ({command} lo llama)',
  homeProtocol: 'Cada mensaje SET/2 se describe en {file}.',

  registerTitle: 'Registrar una tarjeta',
  registerHeading: 'Registrar una tarjeta en SET Wallet',
  registerLede: 'Esta página pide a SET Wallet que registre una tarjeta {brand} con {issuer}.',
  registerWhat: 'Qué ocurre',
  registerStep1:
    'Con la extensión SET Wallet instalada, el monedero detecta esta página y ofrece registrar una tarjeta.',
  registerStep2:
    'El monedero abre <strong>su propia ventana</strong> para pedir el número de tarjeta y la fecha de caducidad. Esta página nunca los pide: el número viaja, cifrado, solo a la CA de titulares del emisor.',
  registerStep3:
    'El monedero muestra el formulario de este emisor (nombre en la tarjeta, código postal de facturación), luego crea una clave nueva y recibe un certificado que nombra la tarjeta con un identificador unidireccional, nunca con su número.',
  registerNeedCard:
    '¿Necesita un número de tarjeta? Tome uno de la página de {link}, con cualquier fecha de caducidad futura.',
  registerTestCardsLink: 'tarjetas de prueba',
  registerNothing: '¿No ha pasado nada?',
  registerCheckInstalled:
    'Compruebe que la extensión SET Wallet está instalada y activada, y vuelva a cargar esta página.',
  registerCheckRoot: 'Compruebe que el monedero confía en el certificado raíz de este entorno ({link}).',

  testCardsTitle: 'Tarjetas de prueba',
  testCardsLede:
    'Registre cualquiera de estos números {brand} en SET Wallet y pague con él en la tienda de demostración. Con cada número, el emisor responde a su manera.',
  testCardsExpiry: '<strong>Caducidad:</strong> cualquier fecha futura, por ejemplo {example}.',
  testCardsName:
    '<strong>Nombre y código postal:</strong> lo que quiera. SET no necesita código de seguridad.',
  testCardsCaption: 'Números de tarjeta y qué hacen',
  testCardsNumber: 'Número de tarjeta',
  testCardsLabel: 'Nombre',
  testCardsResult: 'Resultado',
  testCardsMeaning: 'Qué ocurre',
  testCardsOthers:
    'También se pueden registrar otros números que superen la comprobación de Luhn; los que no la superan se rechazan.',
  testCardsPending:
    'El registro de {pan} queda <strong>pendiente</strong>: el emisor lo revisa, y el monedero recibe el certificado cuando lo vuelve a pedir (consulta de certificado). Sirve solo para el registro: el simulador del emisor rechaza los pagos con él (tarjeta no válida).',
  cardApprove: 'Aprobada',
  cardApproveMeaning:
    'El emisor aprueba: la pasarela devuelve un código de autorización, y el pago se puede capturar y reembolsar.',
  cardDoNotHonour: 'Rechazada: no aceptar',
  cardDoNotHonourMeaning: 'El emisor rechaza sin decir por qué; es el rechazo más habitual.',
  cardInsufficientFunds: 'Rechazada: fondos insuficientes',
  cardInsufficientFundsMeaning: 'El emisor rechaza porque la cuenta no cubre el importe.',
  cardExpiredCard: 'Rechazada: tarjeta caducada',
  cardExpiredCardMeaning:
    'El emisor rechaza como si la tarjeta hubiera caducado, sea cual sea la fecha de caducidad que introduzca.',
  cardStolenCard: 'Rechazada: denunciada como robada',
  cardStolenCardMeaning: 'El emisor rechaza porque la tarjeta se denunció como robada.',
  cardIssuerUnavailable: 'Emisor no disponible',
  cardIssuerUnavailableMeaning:
    'El emisor no responde: la pasarela espera su tiempo límite y luego rechaza (emisor no disponible).',

  certificatesTitle: 'Certificados',
  certificatesLede:
    'Todos los certificados que han emitido las autoridades de este emisor. Un certificado revocado pasa de inmediato a la siguiente CRL de su CA, y la pasarela de pago lo rechaza desde su siguiente comprobación.',
  certificatesAdmin:
    'Ha iniciado sesión como administrador del entorno de pruebas: los certificados vigentes se pueden revocar.',
  certificatesHowToRevoke:
    'Para revocar, abra el enlace de administración que el entorno muestra al arrancar ({link}), o ejecute {command}.',
  certificatesCaptionSome: 'Los {shown} más recientes de {total} certificados',
  certificatesCaptionAll: '{total} certificados',
  certificatesRevoked: 'El certificado {serial} está revocado y figura en la nueva CRL de su CA.',
  colType: 'Tipo',
  colSubject: 'Sujeto',
  colSerial: 'Número de serie',
  colValid: 'Validez',
  colStatus: 'Estado',
  colAction: 'Acción',
  validRange: 'del {from} al {to}',
  issuerBrand: 'CA de la marca',
  issuerCca: 'CA de titulares',
  issuerMca: 'CA de comercios',
  issuerPca: 'CA de pasarelas de pago',
  typeCardholder: 'Titular',
  typeMerchant: 'Comercio',
  typeGateway: 'Pasarela de pago',
  typeCardholderCa: 'CA de titulares',
  typeMerchantCa: 'CA de comercios',
  typeGatewayCa: 'CA de pasarelas de pago',
  roleSignature: 'firma',
  roleKeyExchange: 'intercambio de claves',
  typeWithRole: '{type} ({role})',
  subjectUniqueId: 'Identificador único {id}',
  subjectCard: 'tarjeta terminada en {last4}',
  statusRevokedOn: 'Revocado el {date}',
  statusActive: 'Vigente',
  statusRevoked: 'Revocado',
  statusExpired: 'Caducado',
  statusNoCertificate: 'Sin certificado',
  actionNone: 'Ninguna',
  revoke: 'Revocar',
  revokeCertificateLabel: 'Revocar el certificado {serial}',
  revokeMerchantLabel: 'Revocar el comercio {id}',

  merchantsTitle: 'Comercios',
  merchantsLede:
    'Las tiendas que ha dado de alta la CA de comercios de este emisor. La MCA asigna a cada una su MerchantID; su certificado de firma nombra los orígenes web en los que pagará un monedero.',
  merchantsHowTo:
    'Para dar de alta una tienda desde esta página o revocarla, abra el enlace de administración que el entorno muestra al arrancar ({link}); inicia su sesión en todas las páginas. O dela de alta desde el equipo de la tienda: {command}.',
  merchantsCaption: '{count} comercios',
  merchantsRevoked:
    'Los certificados del comercio {id} están revocados y figuran en la nueva CRL de la CA de comercios.',
  colMerchantId: 'MerchantID',
  colName: 'Nombre',
  colOrigins: 'Orígenes',
  colCertificates: 'Certificados',
  merchantEnrolled: 'alta el {date}',
  merchantRenewed: 'alta el {date}, renovado {count} veces',
  merchantCertificate: '{serial} {role}',
  merchantCurrent: '(actual)',
  merchantCertRevoked: 'revocado el {date}',
  merchantCertExpired: 'caducado',
  enrolHeading: 'Dar de alta una tienda',
  enrolWarningTitle: 'Comodidad del entorno de pruebas: las claves se crean en el servidor.',
  enrolWarning:
    'Esta página genera los pares de claves de firma y de intercambio de claves de la tienda en el servidor del emisor y se los entrega una sola vez, en el paquete. Fuera de las pruebas, ejecute en su lugar {command} en el equipo de la tienda, para que sus claves privadas nunca salgan de él.',
  enrolName: 'Nombre de la tienda',
  enrolOrigins: 'Orígenes web, uno por línea (https, o http en localhost o 127.0.0.1)',
  enrolCity: 'Ciudad',
  enrolCountry: 'País (dos letras)',
  enrolCategory: 'Código de categoría de comercio (MCC)',
  enrolSubmit: 'Dar de alta',
  freshHeading: '{name} está dado de alta con el MerchantID {id}',
  freshDownload: 'Descargar el paquete ({file})',
  freshKeys:
    '{link}. Contiene las claves privadas: solo se puede descargar durante los próximos 15 minutos, y el emisor no guarda ninguna copia.',
  freshSdk: 'El SDK de comercio lee el archivo tal cual:',
  freshFiles:
    'Contiene en {files} los mismos archivos que escribe {command} (merchant.json, merchant-sig.key/.pem, merchant-kx.key/.pem, root.pem). Que solo pueda leerlo el servidor de la tienda ({chmod}).',

  refusedTitle: 'Rechazado',
  notSignedInTitle: 'Sin sesión iniciada',
  notSignedIn: 'Abra el enlace de administración que mostró el entorno de pruebas y vuelva a intentarlo.',
  badAdminLinkTitle: 'Enlace de administración no válido',
  badAdminLink: 'Este enlace de administración no es válido para este entorno de pruebas.',
  notFromSite: 'Este formulario debe enviarse desde este sitio.',
  formTooLarge: 'El formulario supera los {bytes} bytes.',
  certificatesFormStale:
    'El formulario está desactualizado: vuelva a cargar la página de certificados e inténtelo de nuevo.',
  merchantsFormStale:
    'El formulario está desactualizado: vuelva a cargar la página de comercios e inténtelo de nuevo.',
  notSerialTitle: 'No es un número de serie',
  notSerial: 'El número de serie no es hexadecimal.',
  unknownCertificateTitle: 'Certificado desconocido',
  unknownCertificate: 'Aquí no se emitió ningún certificado con el número de serie {serial}.',
  notEnrolledTitle: 'No dado de alta',
  enrolUnknownFields:
    'El formulario tiene campos que esta página no envía: vuelva a cargar la página de comercios e inténtelo de nuevo.',
  enrolMissing: 'El formulario no está rellenado.',
  enrolGiveName: 'Indique el nombre de la tienda.',
  enrolNameTooLong: 'El nombre de la tienda tiene como máximo {max} caracteres.',
  enrolGiveCity: 'Indique la ciudad.',
  enrolCityTooLong: 'La ciudad tiene como máximo {max} caracteres.',
  enrolOriginsTooLong: 'Los orígenes tienen como máximo {max} caracteres.',
  enrolCountryCode: 'El país es un código de dos letras, como ES.',
  enrolCategoryCode: 'El código de categoría de comercio tiene cuatro dígitos, como 5999.',
  enrolNoOrigin: 'Indique al menos un origen web.',
  enrolTooManyOrigins: 'Un certificado de comercio nombra como máximo {max} orígenes.',
  enrolBadOrigin:
    '«{origin}» no es un origen web: escríbalo como https://shop.example (solo esquema, host y puerto).',
  enrolRefused: 'La CA de comercios lo ha rechazado: {reason}',
  noBundleTitle: 'No existe ese paquete',
  noBundle:
    'Este paquete ha caducado o nunca existió: el emisor guarda un paquete 15 minutos. Vuelva a dar de alta la tienda con otro nombre, o ejecute {command}.',
  notMerchantIdTitle: 'No es un MerchantID',
  notMerchantId: 'Un MerchantID es una M seguida de 15 dígitos.',
  unknownMerchantTitle: 'Comercio desconocido',
  unknownMerchant: 'Aquí no se dio de alta ningún comercio {id}.',
  notFoundTitle: 'No encontrado',
  notFound: 'Aquí no hay ninguna página.',
  unavailableTitle: 'No disponible temporalmente',
  unavailable:
    'El emisor no puede acceder a su base de datos en este momento. No se ha cambiado nada; inténtelo de nuevo en unos segundos.',
  failedTitle: 'Algo ha fallado',
  failed: 'El emisor no ha podido hacerlo. El registro del entorno de pruebas indica por qué.',
};
