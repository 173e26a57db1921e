/** The issuer site's words in French. */
import type { Catalogue } from '../../web/i18n.ts';
import type { CaKey } from './en.ts';

export const fr: Catalogue<CaKey> = {
  languages: 'Langue',
  skip: 'Aller au contenu',
  navLabel: 'Site de l’émetteur',
  navHome: 'Accueil',
  navRegister: 'Enregistrer une carte',
  navTestCards: 'Cartes de test',
  navCertificates: 'Certificats',
  navMerchants: 'Commerçants',
  footer:
    'Bac à sable de développement SET/2 : aucun argent réel ne circule ici. Les certificats et les cartes servent uniquement aux tests.',
  back: 'Retour',

  homeTitle: 'Émetteur',
  homeLede:
    'L’émetteur de cartes du bac à sable SET/2 pour la marque {brand}. Il gère les autorités de certification de la marque : l’AC porteurs, qui enregistre les cartes dans SET Wallet, l’AC commerçants et l’AC passerelles de paiement.',
  homeStart: 'Pour commencer',
  homeRegister: '{link} dans SET Wallet, pour payer avec elle dans la boutique de démonstration.',
  homeTestCards:
    '{link} : des numéros acceptés, refusés, sans provision, expirés, volés ou qui n’obtiennent pas de réponse.',
  homeCertificates: '{link} émis par les autorités de cet émetteur, et leur révocation.',
  homeDevelopers: 'Pour les développeurs',
  homeEndpoints: 'Points d’accès de ce site',
  homeEndpoint: 'Point d’accès',
  homeServes: 'Ce qu’il sert',
  homeCca: 'AC porteurs : CardCInitReq, RegFormReq, CertReq',
  homeMca: 'AC commerçants : Me-AqCInitReq, CertReq (commerçants)',
  homePca: 'AC passerelles de paiement : Me-AqCInitReq, CertReq (passerelles)',
  homeCrl: 'La CRL en cours de chaque AC (DER, {type})',
  homeBci: 'Le BrandCRLIdentifier, signé par l’AC de la marque, qui liste les CRL en vigueur',
  homeRoot: 'Le certificat racine du bac à sable, pour les racines de confiance du portefeuille',
  homeRevoke:
    'Révoque un certificat par son numéro de série : {header} suivi du jeton d’administration du bac à sable ({command} l’appelle)',
  homeProtocol: 'Chaque message SET/2 est décrit dans {file}.',

  registerTitle: 'Enregistrer une carte',
  registerHeading: 'Enregistrer une carte dans SET Wallet',
  registerLede: 'Cette page demande à SET Wallet d’enregistrer une carte {brand} auprès de {issuer}.',
  registerWhat: 'Ce qui se passe',
  registerStep1:
    'Si l’extension SET Wallet est installée, le portefeuille repère cette page et propose d’enregistrer une carte.',
  registerStep2:
    'Le portefeuille ouvre <strong>sa propre fenêtre</strong> pour saisir le numéro de carte et la date d’expiration. Cette page ne les demande jamais : le numéro part, chiffré, uniquement vers l’AC porteurs de l’émetteur.',
  registerStep3:
    'Le portefeuille affiche le formulaire de cet émetteur (nom sur la carte, code postal de facturation), puis crée une nouvelle clé et reçoit un certificat qui désigne la carte par un identifiant à sens unique, jamais par son numéro.',
  registerNeedCard:
    'Besoin d’un numéro de carte ? Prenez-en un sur la page {link}, avec n’importe quelle date d’expiration future.',
  registerTestCardsLink: 'cartes de test',
  registerNothing: 'Rien ne se passe ?',
  registerCheckInstalled:
    'Vérifiez que l’extension SET Wallet est installée et activée, puis rechargez cette page.',
  registerCheckRoot:
    'Vérifiez que le portefeuille fait confiance au certificat racine de ce bac à sable ({link}).',

  testCardsTitle: 'Cartes de test',
  testCardsLede:
    'Enregistrez l’un de ces numéros {brand} dans SET Wallet, puis payez avec dans la boutique de démonstration. Chaque numéro fait répondre l’émetteur à sa manière.',
  testCardsExpiry: '<strong>Expiration :</strong> n’importe quelle date future, par exemple {example}.',
  testCardsName:
    '<strong>Nom et code postal :</strong> ce que vous voulez. SET n’a pas besoin de cryptogramme.',
  testCardsCaption: 'Numéros de carte et leur effet',
  testCardsNumber: 'Numéro de carte',
  testCardsLabel: 'Libellé',
  testCardsResult: 'Résultat',
  testCardsMeaning: 'Ce qui se passe',
  testCardsOthers:
    'D’autres numéros qui passent le contrôle de Luhn peuvent aussi être enregistrés ; ceux qui échouent sont refusés.',
  testCardsPending:
    'L’enregistrement de {pan} reste <strong>en attente</strong> : l’émetteur l’examine, et le portefeuille reçoit le certificat quand il le redemande (demande de certificat). Ce numéro sert uniquement à l’enregistrement : le simulateur d’émetteur refuse les paiements avec lui (carte non valide).',
  cardApprove: 'Accepté',
  cardApproveMeaning:
    'L’émetteur accepte : la passerelle renvoie un code d’autorisation, et le paiement peut être encaissé et remboursé.',
  cardDoNotHonour: 'Refusé : ne pas honorer',
  cardDoNotHonourMeaning: 'L’émetteur refuse sans dire pourquoi ; c’est le refus le plus courant.',
  cardInsufficientFunds: 'Refusé : provision insuffisante',
  cardInsufficientFundsMeaning: 'L’émetteur refuse car le compte ne couvre pas le montant.',
  cardExpiredCard: 'Refusé : carte expirée',
  cardExpiredCardMeaning:
    'L’émetteur refuse comme si la carte avait expiré, quelle que soit la date d’expiration saisie.',
  cardStolenCard: 'Refusé : déclarée volée',
  cardStolenCardMeaning: 'L’émetteur refuse car la carte a été déclarée volée.',
  cardIssuerUnavailable: 'Émetteur indisponible',
  cardIssuerUnavailableMeaning:
    'L’émetteur ne répond pas : la passerelle attend son délai, puis refuse (émetteur indisponible).',

  certificatesTitle: 'Certificats',
  certificatesLede:
    'Tous les certificats émis par les autorités de cet émetteur. Un certificat révoqué figure aussitôt sur la prochaine CRL de son AC, et la passerelle de paiement le refuse dès sa vérification suivante.',
  certificatesAdmin:
    'Vous êtes connecté comme administrateur du bac à sable : les certificats valides peuvent être révoqués.',
  certificatesHowToRevoke:
    'Pour révoquer, ouvrez le lien d’administration que le bac à sable affiche au démarrage ({link}), ou lancez {command}.',
  certificatesCaptionSome: 'Les {shown} plus récents sur {total} certificats',
  certificatesCaptionAll: '{total} certificats',
  certificatesRevoked: 'Le certificat {serial} est révoqué et figure sur la nouvelle CRL de son AC.',
  colType: 'Type',
  colSubject: 'Sujet',
  colSerial: 'Numéro de série',
  colValid: 'Validité',
  colStatus: 'État',
  colAction: 'Action',
  validRange: 'du {from} au {to}',
  issuerBrand: 'AC de la marque',
  issuerCca: 'AC porteurs',
  issuerMca: 'AC commerçants',
  issuerPca: 'AC passerelles de paiement',
  typeCardholder: 'Porteur',
  typeMerchant: 'Commerçant',
  typeGateway: 'Passerelle de paiement',
  typeCardholderCa: 'AC porteurs',
  typeMerchantCa: 'AC commerçants',
  typeGatewayCa: 'AC passerelles de paiement',
  roleSignature: 'signature',
  roleKeyExchange: 'échange de clés',
  typeWithRole: '{type} ({role})',
  subjectUniqueId: 'Identifiant unique {id}',
  subjectCard: 'carte se terminant par {last4}',
  statusRevokedOn: 'Révoqué le {date}',
  statusActive: 'Valide',
  statusRevoked: 'Révoqué',
  statusExpired: 'Expiré',
  statusNoCertificate: 'Aucun certificat',
  actionNone: 'Aucune',
  revoke: 'Révoquer',
  revokeCertificateLabel: 'Révoquer le certificat {serial}',
  revokeMerchantLabel: 'Révoquer le commerçant {id}',

  merchantsTitle: 'Commerçants',
  merchantsLede:
    'Les boutiques inscrites par l’AC commerçants de cet émetteur. La MCA attribue à chacune son MerchantID ; son certificat de signature nomme les origines web sur lesquelles un portefeuille paiera.',
  merchantsHowTo:
    'Pour inscrire une boutique depuis cette page ou la révoquer, ouvrez le lien d’administration que le bac à sable affiche au démarrage ({link}) ; il vous connecte à toutes les pages. Ou inscrivez-la depuis la machine de la boutique : {command}.',
  merchantsCaption: '{count} commerçants',
  merchantsRevoked:
    'Les certificats du commerçant {id} sont révoqués et figurent sur la nouvelle CRL de l’AC commerçants.',
  colMerchantId: 'MerchantID',
  colName: 'Nom',
  colOrigins: 'Origines',
  colCertificates: 'Certificats',
  merchantEnrolled: 'inscrit le {date}',
  merchantRenewed: 'inscrit le {date}, renouvelé {count} fois',
  merchantCertificate: '{serial} {role}',
  merchantCurrent: '(en cours)',
  merchantCertRevoked: 'révoqué le {date}',
  merchantCertExpired: 'expiré',
  enrolHeading: 'Inscrire une boutique',
  enrolWarningTitle: 'Facilité du bac à sable : les clés sont créées sur le serveur.',
  enrolWarning:
    'Cette page génère les paires de clés de signature et d’échange de clés de la boutique sur le serveur de l’émetteur et vous les remet une seule fois, dans le paquet. Hors tests, lancez plutôt {command} sur la machine de la boutique, pour que ses clés privées ne la quittent jamais.',
  enrolName: 'Nom de la boutique',
  enrolOrigins: 'Origines web, une par ligne (https, ou http sur localhost ou 127.0.0.1)',
  enrolCity: 'Ville',
  enrolCountry: 'Pays (deux lettres)',
  enrolCategory: 'Code de catégorie commerçant (MCC)',
  enrolSubmit: 'Inscrire',
  freshHeading: '{name} est inscrit sous le MerchantID {id}',
  freshDownload: 'Télécharger le paquet ({file})',
  freshKeys:
    '{link}. Il contient les clés privées : il ne peut être téléchargé que pendant les 15 prochaines minutes, et l’émetteur n’en garde aucune copie.',
  freshSdk: 'Le SDK commerçant lit le fichier tel quel :',
  freshFiles:
    'Il contient sous {files} les mêmes fichiers que ceux écrits par {command} (merchant.json, merchant-sig.key/.pem, merchant-kx.key/.pem, root.pem). Qu’il ne soit lisible que par le serveur de la boutique ({chmod}).',

  refusedTitle: 'Refusé',
  notSignedInTitle: 'Non connecté',
  notSignedIn: 'Ouvrez le lien d’administration affiché par le bac à sable, puis réessayez.',
  badAdminLinkTitle: 'Lien d’administration non valide',
  badAdminLink: 'Ce lien d’administration n’est pas valide pour ce bac à sable.',
  notFromSite: 'Ce formulaire doit être envoyé depuis ce site.',
  formTooLarge: 'Le formulaire dépasse {bytes} octets.',
  certificatesFormStale: 'Le formulaire n’est plus à jour : rechargez la page des certificats et réessayez.',
  merchantsFormStale: 'Le formulaire n’est plus à jour : rechargez la page des commerçants et réessayez.',
  notSerialTitle: 'Pas un numéro de série',
  notSerial: 'Le numéro de série n’est pas hexadécimal.',
  unknownCertificateTitle: 'Certificat inconnu',
  unknownCertificate: 'Aucun certificat de numéro de série {serial} n’a été émis ici.',
  notEnrolledTitle: 'Non inscrit',
  enrolUnknownFields:
    'Le formulaire contient des champs que cette page n’envoie pas : rechargez la page des commerçants et réessayez.',
  enrolMissing: 'Le formulaire n’est pas rempli.',
  enrolGiveName: 'Indiquez le nom de la boutique.',
  enrolNameTooLong: 'Le nom de la boutique compte au plus {max} caractères.',
  enrolGiveCity: 'Indiquez la ville.',
  enrolCityTooLong: 'La ville compte au plus {max} caractères.',
  enrolOriginsTooLong: 'Les origines comptent au plus {max} caractères.',
  enrolCountryCode: 'Le pays est un code de deux lettres, comme FR.',
  enrolCategoryCode: 'Le code de catégorie commerçant compte quatre chiffres, comme 5999.',
  enrolNoOrigin: 'Indiquez au moins une origine web.',
  enrolTooManyOrigins: 'Un certificat de commerçant nomme au plus {max} origines.',
  enrolBadOrigin:
    '« {origin} » n’est pas une origine web : écrivez-la comme https://shop.example (schéma, hôte et port seulement).',
  enrolRefused: 'L’AC commerçants a refusé : {reason}',
  noBundleTitle: 'Paquet introuvable',
  noBundle:
    'Ce paquet a expiré ou n’a jamais existé : l’émetteur garde un paquet 15 minutes. Inscrivez à nouveau la boutique sous un autre nom, ou lancez {command}.',
  notMerchantIdTitle: 'Pas un MerchantID',
  notMerchantId: 'Un MerchantID est un M suivi de 15 chiffres.',
  unknownMerchantTitle: 'Commerçant inconnu',
  unknownMerchant: 'Aucun commerçant {id} n’a été inscrit ici.',
  notFoundTitle: 'Introuvable',
  notFound: 'Il n’y a pas de page ici.',
  unavailableTitle: 'Momentanément indisponible',
  unavailable:
    'L’émetteur n’arrive pas à joindre sa base de données pour le moment. Rien n’a été modifié ; réessayez dans quelques secondes.',
  failedTitle: 'Un problème est survenu',
  failed: 'L’émetteur n’a pas pu faire cela. Le journal du bac à sable en donne la raison.',
};
