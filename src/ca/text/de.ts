/** The issuer site's words in German. */
import type { Catalogue } from '../../web/i18n.ts';
import type { CaKey } from './en.ts';

export const de: Catalogue<CaKey> = {
  languages: 'Sprache',
  skip: 'Zum Inhalt springen',
  navLabel: 'Website des Kartenherausgebers',
  navHome: 'Startseite',
  navRegister: 'Karte registrieren',
  navTestCards: 'Testkarten',
  navCertificates: 'Zertifikate',
  navMerchants: 'Händler',
  footer:
    'SET/2-Entwickler-Sandbox: Hier wird kein echtes Geld bewegt. Zertifikate und Karten dienen nur zum Testen.',
  back: 'Zurück',

  homeTitle: 'Kartenherausgeber',
  homeLede:
    'Der Kartenherausgeber der SET/2-Sandbox für die Marke {brand}. Er betreibt die Zertifizierungsstellen der Marke: die Karteninhaber-CA, die Karten im SET Wallet registriert, die Händler-CA und die Payment-Gateway-CA.',
  homeStart: 'Hier beginnen',
  homeRegister: '{link} im SET Wallet, um damit im Demo-Shop zu bezahlen.',
  homeTestCards:
    '{link}: Nummern, die genehmigt oder abgelehnt werden, ohne Deckung, abgelaufen oder gestohlen sind oder in eine Zeitüberschreitung laufen.',
  homeCertificates: '{link}, die die Stellen dieses Herausgebers ausgestellt haben, und ihr Widerruf.',
  homeDevelopers: 'Für Entwickler',
  homeEndpoints: 'Endpunkte dieser Website',
  homeEndpoint: 'Endpunkt',
  homeServes: 'Was er bedient',
  homeCca: 'Karteninhaber-CA: CardCInitReq, RegFormReq, CertReq',
  homeMca: 'Händler-CA: Me-AqCInitReq, CertReq (Händler)',
  homePca: 'Payment-Gateway-CA: Me-AqCInitReq, CertReq (Gateways)',
  homeCrl: 'Die aktuelle CRL jeder CA (DER, {type})',
  homeBci: 'Der BrandCRLIdentifier, von der Marken-CA signiert, mit den geltenden CRLs',
  homeRoot: 'Das Stammzertifikat der Sandbox, für die vertrauenswürdigen Stammzertifikate des Wallets',
  homeRevoke:
    'Widerruft ein Zertifikat anhand seiner Seriennummer: {header} mit dem Admin-Token der Sandbox ({command} ruft es auf)',
  homeProtocol: 'Jede SET/2-Nachricht ist in {file} beschrieben.',

  registerTitle: 'Karte registrieren',
  registerHeading: 'Eine Karte im SET Wallet registrieren',
  registerLede: 'Diese Seite bittet das SET Wallet, eine {brand}-Karte bei {issuer} zu registrieren.',
  registerWhat: 'Was geschieht',
  registerStep1:
    'Ist die Erweiterung SET Wallet installiert, bemerkt das Wallet diese Seite und bietet an, eine Karte zu registrieren.',
  registerStep2:
    'Das Wallet öffnet <strong>sein eigenes Fenster</strong>, um Kartennummer und Ablaufdatum aufzunehmen. Diese Seite fragt nie danach: Die Nummer geht verschlüsselt nur an die Karteninhaber-CA des Herausgebers.',
  registerStep3:
    'Das Wallet zeigt das Formular dieses Herausgebers (Name auf der Karte, Postleitzahl der Rechnungsadresse), erzeugt dann einen neuen Schlüssel und erhält ein Zertifikat, das die Karte mit einer Einweg-Kennung benennt, nie mit ihrer Nummer.',
  registerNeedCard:
    'Sie brauchen eine Kartennummer? Nehmen Sie eine von der Seite {link}, mit einem beliebigen Ablaufdatum in der Zukunft.',
  registerTestCardsLink: 'Testkarten',
  registerNothing: 'Nichts passiert?',
  registerCheckInstalled:
    'Prüfen Sie, ob die Erweiterung SET Wallet installiert und aktiviert ist, und laden Sie diese Seite neu.',
  registerCheckRoot: 'Prüfen Sie, ob das Wallet dem Stammzertifikat dieser Sandbox vertraut ({link}).',

  testCardsTitle: 'Testkarten',
  testCardsLede:
    'Registrieren Sie eine dieser {brand}-Nummern im SET Wallet und bezahlen Sie damit im Demo-Shop. Bei jeder Nummer antwortet der Herausgeber auf seine Weise.',
  testCardsExpiry:
    '<strong>Ablaufdatum:</strong> ein beliebiges Datum in der Zukunft, zum Beispiel {example}.',
  testCardsName: '<strong>Name und Postleitzahl:</strong> beliebig. SET braucht keine Kartenprüfnummer.',
  testCardsCaption: 'Kartennummern und was sie bewirken',
  testCardsNumber: 'Kartennummer',
  testCardsLabel: 'Bezeichnung',
  testCardsResult: 'Ergebnis',
  testCardsMeaning: 'Was geschieht',
  testCardsOthers:
    'Andere Nummern, die die Luhn-Prüfung bestehen, lassen sich ebenfalls registrieren; Nummern, die sie nicht bestehen, werden abgewiesen.',
  testCardsPending:
    'Die Registrierung von {pan} bleibt <strong>ausstehend</strong>: Der Herausgeber prüft sie, und das Wallet erhält das Zertifikat, wenn es erneut nachfragt (Zertifikatsanfrage). Die Nummer dient nur der Registrierung: Der Herausgeber-Simulator lehnt Zahlungen damit ab (ungültige Karte).',
  cardApprove: 'Genehmigt',
  cardApproveMeaning:
    'Der Herausgeber genehmigt: Das Gateway liefert einen Autorisierungscode, und die Zahlung kann eingezogen und erstattet werden.',
  cardDoNotHonour: 'Abgelehnt: nicht ausführen',
  cardDoNotHonourMeaning: 'Der Herausgeber lehnt ohne Begründung ab, die häufigste Ablehnung.',
  cardInsufficientFunds: 'Abgelehnt: keine Deckung',
  cardInsufficientFundsMeaning: 'Der Herausgeber lehnt ab, weil das Konto den Betrag nicht deckt.',
  cardExpiredCard: 'Abgelehnt: Karte abgelaufen',
  cardExpiredCardMeaning:
    'Der Herausgeber lehnt ab, als wäre die Karte abgelaufen, gleich welches Ablaufdatum Sie eingeben.',
  cardStolenCard: 'Abgelehnt: als gestohlen gemeldet',
  cardStolenCardMeaning: 'Der Herausgeber lehnt ab, weil die Karte als gestohlen gemeldet wurde.',
  cardIssuerUnavailable: 'Herausgeber nicht erreichbar',
  cardIssuerUnavailableMeaning:
    'Der Herausgeber antwortet nicht: Das Gateway wartet seine Zeitgrenze ab und lehnt dann ab (Herausgeber nicht erreichbar).',

  certificatesTitle: 'Zertifikate',
  certificatesLede:
    'Jedes Zertifikat, das die Stellen dieses Herausgebers ausgestellt haben. Ein widerrufenes Zertifikat kommt sofort auf die nächste CRL seiner CA, und das Payment-Gateway weist es ab seiner nächsten Prüfung ab.',
  certificatesAdmin:
    'Sie sind als Administrator der Sandbox angemeldet: Gültige Zertifikate können widerrufen werden.',
  certificatesHowToRevoke:
    'Zum Widerrufen öffnen Sie den Administratorlink, den die Sandbox beim Start ausgibt ({link}), oder führen Sie {command} aus.',
  certificatesCaptionSome: 'Die neuesten {shown} von {total} Zertifikaten',
  certificatesCaptionAll: '{total} Zertifikate',
  certificatesRevoked: 'Das Zertifikat {serial} ist widerrufen und steht auf der neuen CRL seiner CA.',
  colType: 'Art',
  colSubject: 'Inhaber',
  colSerial: 'Seriennummer',
  colValid: 'Gültig',
  colStatus: 'Status',
  colAction: 'Aktion',
  validRange: '{from} bis {to}',
  issuerBrand: 'Marken-CA',
  issuerCca: 'Karteninhaber-CA',
  issuerMca: 'Händler-CA',
  issuerPca: 'Payment-Gateway-CA',
  typeCardholder: 'Karteninhaber',
  typeMerchant: 'Händler',
  typeGateway: 'Payment-Gateway',
  typeCardholderCa: 'Karteninhaber-CA',
  typeMerchantCa: 'Händler-CA',
  typeGatewayCa: 'Payment-Gateway-CA',
  roleSignature: 'Signatur',
  roleKeyExchange: 'Schlüsselaustausch',
  typeWithRole: '{type} ({role})',
  subjectUniqueId: 'Eindeutige Kennung {id}',
  subjectCard: 'Karte mit Endziffern {last4}',
  statusRevokedOn: 'Widerrufen am {date}',
  statusActive: 'Gültig',
  statusRevoked: 'Widerrufen',
  statusExpired: 'Abgelaufen',
  statusNoCertificate: 'Kein Zertifikat',
  actionNone: 'Keine',
  revoke: 'Widerrufen',
  revokeCertificateLabel: 'Zertifikat {serial} widerrufen',
  revokeMerchantLabel: 'Händler {id} widerrufen',

  merchantsTitle: 'Händler',
  merchantsLede:
    'Die Shops, die die Händler-CA dieses Herausgebers aufgenommen hat. Die MCA vergibt jedem seine MerchantID; sein Signaturzertifikat nennt die Web-Origins, auf denen ein Wallet bezahlt.',
  merchantsHowTo:
    'Um auf dieser Seite einen Shop aufzunehmen oder zu widerrufen, öffnen Sie den Administratorlink, den die Sandbox beim Start ausgibt ({link}); er meldet Sie auf allen Seiten an. Oder nehmen Sie ihn vom Rechner des Shops aus auf: {command}.',
  merchantsCaption: '{count} Händler',
  merchantsRevoked:
    'Die Zertifikate des Händlers {id} sind widerrufen und stehen auf der neuen CRL der Händler-CA.',
  colMerchantId: 'MerchantID',
  colName: 'Name',
  colOrigins: 'Origins',
  colCertificates: 'Zertifikate',
  merchantEnrolled: 'aufgenommen am {date}',
  merchantRenewed: 'aufgenommen am {date}, {count}× erneuert',
  merchantCertificate: '{serial} {role}',
  merchantCurrent: '(aktuell)',
  merchantCertRevoked: 'widerrufen am {date}',
  merchantCertExpired: 'abgelaufen',
  enrolHeading: 'Einen Shop aufnehmen',
  enrolWarningTitle: 'Sandbox-Komfort: Die Schlüssel entstehen auf dem Server.',
  enrolWarning:
    'Diese Seite erzeugt die Schlüsselpaare des Shops für Signatur und Schlüsselaustausch auf dem Server des Herausgebers und gibt sie Ihnen einmal im Paket aus. Für alles außer Tests führen Sie stattdessen {command} auf dem Rechner des Shops aus, damit seine privaten Schlüssel ihn nie verlassen.',
  enrolName: 'Name des Shops',
  enrolOrigins: 'Web-Origins, einer pro Zeile (https, oder http auf localhost oder 127.0.0.1)',
  enrolCity: 'Ort',
  enrolCountry: 'Land (zwei Buchstaben)',
  enrolCategory: 'Händlerkategoriecode (MCC)',
  enrolSubmit: 'Aufnehmen',
  freshHeading: '{name} ist als MerchantID {id} aufgenommen',
  freshDownload: 'Paket herunterladen ({file})',
  freshKeys:
    '{link}. Es enthält die privaten Schlüssel: Es lässt sich nur in den nächsten 15 Minuten herunterladen, und der Herausgeber behält keine Kopie.',
  freshSdk: 'Das Händler-SDK liest die Datei so, wie sie ist:',
  freshFiles:
    'Es enthält unter {files} dieselben Dateien, die {command} schreibt (merchant.json, merchant-sig.key/.pem, merchant-kx.key/.pem, root.pem). Nur der Server des Shops sollte es lesen können ({chmod}).',

  refusedTitle: 'Abgewiesen',
  notSignedInTitle: 'Nicht angemeldet',
  notSignedIn:
    'Öffnen Sie den Administratorlink, den die Sandbox ausgegeben hat, und versuchen Sie es erneut.',
  badAdminLinkTitle: 'Kein gültiger Administratorlink',
  badAdminLink: 'Dieser Administratorlink gilt nicht für diese Sandbox.',
  notFromSite: 'Dieses Formular muss von dieser Website gesendet werden.',
  formTooLarge: 'Das Formular ist größer als {bytes} Bytes.',
  certificatesFormStale:
    'Das Formular ist veraltet: Laden Sie die Zertifikatsseite neu und versuchen Sie es erneut.',
  merchantsFormStale:
    'Das Formular ist veraltet: Laden Sie die Händlerseite neu und versuchen Sie es erneut.',
  notSerialTitle: 'Keine Seriennummer',
  notSerial: 'Die Seriennummer ist nicht hexadezimal.',
  unknownCertificateTitle: 'Unbekanntes Zertifikat',
  unknownCertificate: 'Hier wurde kein Zertifikat mit der Seriennummer {serial} ausgestellt.',
  notEnrolledTitle: 'Nicht aufgenommen',
  enrolUnknownFields:
    'Das Formular hat Felder, die diese Seite nicht sendet: Laden Sie die Händlerseite neu und versuchen Sie es erneut.',
  enrolMissing: 'Das Formular ist nicht ausgefüllt.',
  enrolGiveName: 'Geben Sie den Namen des Shops an.',
  enrolNameTooLong: 'Der Name des Shops hat höchstens {max} Zeichen.',
  enrolGiveCity: 'Geben Sie den Ort an.',
  enrolCityTooLong: 'Der Ort hat höchstens {max} Zeichen.',
  enrolOriginsTooLong: 'Die Origins haben zusammen höchstens {max} Zeichen.',
  enrolCountryCode: 'Das Land ist ein Code aus zwei Buchstaben, etwa DE.',
  enrolCategoryCode: 'Der Händlerkategoriecode hat vier Ziffern, etwa 5999.',
  enrolNoOrigin: 'Geben Sie mindestens einen Web-Origin an.',
  enrolTooManyOrigins: 'Ein Händlerzertifikat nennt höchstens {max} Origins.',
  enrolBadOrigin:
    '„{origin}“ ist kein Web-Origin: Schreiben Sie ihn als https://shop.example (nur Schema, Host und Port).',
  enrolRefused: 'Die Händler-CA hat abgelehnt: {reason}',
  noBundleTitle: 'Kein solches Paket',
  noBundle:
    'Dieses Paket ist abgelaufen oder hat nie existiert: Der Herausgeber hält ein Paket 15 Minuten lang bereit. Nehmen Sie den Shop unter einem anderen Namen erneut auf, oder führen Sie {command} aus.',
  notMerchantIdTitle: 'Keine MerchantID',
  notMerchantId: 'Eine MerchantID ist ein M mit 15 Ziffern.',
  unknownMerchantTitle: 'Unbekannter Händler',
  unknownMerchant: 'Hier wurde kein Händler {id} aufgenommen.',
  notFoundTitle: 'Nicht gefunden',
  notFound: 'Hier gibt es keine Seite.',
  unavailableTitle: 'Vorübergehend nicht verfügbar',
  unavailable:
    'Der Herausgeber erreicht seine Datenbank gerade nicht. Nichts wurde geändert; versuchen Sie es in ein paar Sekunden erneut.',
  failedTitle: 'Etwas ist schiefgegangen',
  failed: 'Der Herausgeber konnte das nicht ausführen. Das Protokoll der Sandbox nennt den Grund.',
};
