/**
 * The manufacturers of the synthetic TAC catalogue: names as they appear in the GSMA database,
 * brands, the reporting bodies (first two TAC digits) they get TACs from, the years they were
 * active and their product lines with naming patterns.
 *
 * Name patterns: `#` = a digit 0-9, `$` = a digit 1-9, `@` = an upper-case letter; anything
 * else is literal.
 */

export const DEVICE_TYPES = [
  'Smartphone',
  'Mobile Phone/Feature phone',
  'Tablet',
  'Modem',
  'Module',
  'WLAN Router',
  'Wearable',
  'Dongle',
  'IoT Device',
] as const;
export type DeviceType = (typeof DEVICE_TYPES)[number];

/** Device types carried by people (the rest are machine-to-machine / data devices). */
export const PERSONAL_TYPES: readonly DeviceType[] = ['Smartphone', 'Mobile Phone/Feature phone', 'Tablet', 'Wearable'];

export interface ProductLine {
  type: DeviceType;
  /** Relative share of this maker's models. */
  weight: number;
  /** Pattern of the GSMA "Model Name" (the technical model number). */
  model: string;
  /** Patterns of the "Marketing Name". */
  marketing: readonly string[];
  os: readonly string[];
  /** Years this line was allocated TACs (inclusive); default: the maker's. */
  from?: number;
  to?: number;
}

export interface Maker {
  manufacturer: string;
  brand: string;
  /** Relative share of all models in the catalogue. */
  weight: number;
  /** Reporting-body prefix → relative weight. Never `00` (test TACs). */
  bodies: Readonly<Record<string, number>>;
  from: number;
  to: number;
  /** Relative popularity of one of its models in the field (devices per model). */
  popularity: number;
  lines: readonly ProductLine[];
}

const FEATURE_OS = ['Not Known', 'Proprietary', 'MOCOR', 'Nucleus'];
const LAST = 2026;

export const MAKERS: readonly Maker[] = [
  {
    manufacturer: 'Samsung Korea', brand: 'Samsung', weight: 14, popularity: 1.4,
    bodies: { '35': 88, '01': 7, '49': 5 }, from: 2005, to: LAST,
    lines: [
      { type: 'Smartphone', weight: 6, model: 'SM-@$##@', marketing: ['Galaxy A$#', 'Galaxy M$#', 'Galaxy S$#', 'Galaxy S$# Ultra', 'Galaxy Note$#', 'Galaxy J$'], os: ['Android'], from: 2013 },
      { type: 'Smartphone', weight: 1, model: 'GT-I$###', marketing: ['Galaxy S', 'Galaxy S II', 'Galaxy S III', 'Galaxy Ace', 'Galaxy Y'], os: ['Android'], from: 2009, to: 2013 },
      { type: 'Mobile Phone/Feature phone', weight: 2, model: 'GT-E$###', marketing: ['E$###', 'Guru $##', 'Metro $##'], os: FEATURE_OS, to: 2016 },
      { type: 'Tablet', weight: 1.2, model: 'SM-T$##', marketing: ['Galaxy Tab A$', 'Galaxy Tab S$', 'Galaxy Tab A$ Lite'], os: ['Android'], from: 2011 },
      { type: 'Wearable', weight: 0.6, model: 'SM-R$##', marketing: ['Galaxy Watch$', 'Galaxy Watch$ Classic'], os: ['Tizen', 'Wear OS'], from: 2016 },
    ],
  },
  {
    manufacturer: 'Apple Inc', brand: 'Apple', weight: 6, popularity: 1.6,
    bodies: { '35': 60, '01': 40 }, from: 2007, to: LAST,
    lines: [
      { type: 'Smartphone', weight: 6, model: 'A$###', marketing: ['iPhone $#', 'iPhone $# Pro', 'iPhone $# Pro Max', 'iPhone SE', 'iPhone $# Plus'], os: ['iOS'] },
      { type: 'Tablet', weight: 2, model: 'A$###', marketing: ['iPad', 'iPad Air', 'iPad Pro', 'iPad mini'], os: ['iPadOS', 'iOS'], from: 2010 },
      { type: 'Wearable', weight: 1, model: 'A$###', marketing: ['Watch Series $', 'Watch SE', 'Watch Ultra'], os: ['watchOS'], from: 2017 },
    ],
  },
  {
    manufacturer: 'Xiaomi Communications Co Ltd', brand: 'Xiaomi', weight: 10, popularity: 1.1,
    bodies: { '86': 75, '35': 25 }, from: 2011, to: LAST,
    lines: [
      { type: 'Smartphone', weight: 8, model: '2$##$###@@', marketing: ['Redmi Note $#', 'Redmi $#@', 'Redmi $#', 'Xiaomi $#', 'Xiaomi $#T Pro', 'POCO X$', 'POCO M$', 'Mi $#'], os: ['Android'] },
      { type: 'Tablet', weight: 0.6, model: '2$##$###@@', marketing: ['Pad $', 'Redmi Pad'], os: ['Android'], from: 2018 },
      { type: 'Wearable', weight: 0.3, model: 'M2$##W$', marketing: ['Smart Band $ NFC', 'Watch $ LTE'], os: ['Not Known'], from: 2019 },
    ],
  },
  {
    manufacturer: 'Huawei Technologies Co Ltd', brand: 'Huawei', weight: 9, popularity: 0.9,
    bodies: { '86': 80, '35': 20 }, from: 2005, to: LAST,
    lines: [
      { type: 'Smartphone', weight: 5, model: '@@@-L$#', marketing: ['P$#', 'P$# lite', 'Mate $#', 'nova $#', 'nova $#i', 'Y$ Prime', 'Y$#'], os: ['Android', 'HarmonyOS'], from: 2010 },
      { type: 'Mobile Phone/Feature phone', weight: 0.5, model: 'G$##', marketing: ['G$##'], os: FEATURE_OS, to: 2012 },
      { type: 'Dongle', weight: 1, model: 'E$###', marketing: ['E$### USB Modem', 'E$###-$ Stick'], os: ['Not Known'] },
      { type: 'Modem', weight: 0.5, model: 'E$###s-$', marketing: ['E$### Mobile Broadband'], os: ['Not Known'] },
      { type: 'WLAN Router', weight: 1, model: 'B$##s-$#', marketing: ['B$## 4G Router', 'E$### Mobile WiFi', 'CPE Pro $'], os: ['Not Known'], from: 2010 },
      { type: 'Module', weight: 0.4, model: 'ME$##@$', marketing: ['ME$## Module'], os: ['Not Known'] },
      { type: 'Tablet', weight: 0.6, model: '@@@-L$#', marketing: ['MatePad $', 'MediaPad T$'], os: ['Android', 'HarmonyOS'], from: 2012 },
    ],
  },
  {
    manufacturer: 'Guangdong Oppo Mobile Telecommunications Corp Ltd', brand: 'OPPO', weight: 6, popularity: 0.9,
    bodies: { '86': 70, '35': 30 }, from: 2012, to: LAST,
    lines: [{ type: 'Smartphone', weight: 1, model: 'CPH$###', marketing: ['A$#', 'A$#s', 'Reno$', 'Reno$ Pro', 'F$#', 'Find X$'], os: ['Android'] }],
  },
  {
    manufacturer: 'Vivo Mobile Communication Co Ltd', brand: 'vivo', weight: 5, popularity: 0.9,
    bodies: { '86': 80, '35': 20 }, from: 2013, to: LAST,
    lines: [{ type: 'Smartphone', weight: 1, model: 'V$###', marketing: ['Y$#', 'Y$#s', 'V$#', 'V$# Pro', 'X$# Pro', 'T$'], os: ['Android'] }],
  },
  {
    manufacturer: 'TECNO Mobile Limited', brand: 'TECNO', weight: 9, popularity: 1.5,
    bodies: { '35': 55, '86': 45 }, from: 2008, to: LAST,
    lines: [
      { type: 'Smartphone', weight: 5, model: '@@$', marketing: ['Spark $#', 'Spark $# Pro', 'Camon $#', 'Pova $', 'Pop $', 'Phantom X$'], os: ['Android'], from: 2013 },
      { type: 'Mobile Phone/Feature phone', weight: 3, model: 'T$##', marketing: ['T$##', 'T$##@'], os: FEATURE_OS },
    ],
  },
  {
    manufacturer: 'Infinix Mobility Limited', brand: 'Infinix', weight: 6, popularity: 1.3,
    bodies: { '35': 50, '86': 50 }, from: 2013, to: LAST,
    lines: [{ type: 'Smartphone', weight: 1, model: 'X6$#', marketing: ['Hot $#', 'Hot $# Play', 'Note $#', 'Smart $', 'Zero $#'], os: ['Android'] }],
  },
  {
    manufacturer: 'itel Mobile Limited', brand: 'itel', weight: 7, popularity: 1.6,
    bodies: { '35': 50, '86': 50 }, from: 2010, to: LAST,
    lines: [
      { type: 'Mobile Phone/Feature phone', weight: 6, model: 'it$###', marketing: ['it$###', 'Magic $'], os: FEATURE_OS },
      { type: 'Smartphone', weight: 4, model: '@$###', marketing: ['A$#', 'P$#', 'S$#', 'Vision $'], os: ['Android', 'Android Go'], from: 2015 },
    ],
  },
  {
    manufacturer: 'Nokia Corporation', brand: 'Nokia', weight: 5, popularity: 0.7,
    bodies: { '35': 80, '01': 10, '49': 10 }, from: 2005, to: 2014,
    lines: [
      { type: 'Mobile Phone/Feature phone', weight: 6, model: 'RM-$##', marketing: ['Nokia $###', 'Nokia $##', 'Nokia Asha $##', 'Nokia C$-0$'], os: ['Series 30', 'Series 40'] },
      { type: 'Smartphone', weight: 3, model: 'RM-$##', marketing: ['Nokia N$#', 'Nokia E$#', 'Lumia $##', 'Nokia X$'], os: ['Symbian', 'Windows Phone'] },
    ],
  },
  {
    manufacturer: 'HMD Global Oy', brand: 'Nokia', weight: 4, popularity: 0.9,
    bodies: { '35': 90, '86': 10 }, from: 2017, to: LAST,
    lines: [
      { type: 'Smartphone', weight: 5, model: 'TA-1$##', marketing: ['Nokia $.$', 'Nokia G$#', 'Nokia C$#', 'Nokia X$#'], os: ['Android'] },
      { type: 'Mobile Phone/Feature phone', weight: 4, model: 'TA-1$##', marketing: ['Nokia $##', 'Nokia $## Classic', 'Nokia $#$'], os: ['Series 30+', 'KaiOS'] },
    ],
  },
  {
    manufacturer: 'Motorola Mobility LLC, a Lenovo Company', brand: 'Motorola', weight: 5, popularity: 0.8,
    bodies: { '35': 50, '01': 50 }, from: 2005, to: LAST,
    lines: [
      { type: 'Smartphone', weight: 5, model: 'XT$###-$', marketing: ['moto g$#', 'moto g$# power', 'moto e$#', 'edge $#', 'razr $#'], os: ['Android'], from: 2010 },
      { type: 'Mobile Phone/Feature phone', weight: 1.5, model: '@$##', marketing: ['RAZR V$', 'MOTOKEY @$', 'W$##'], os: FEATURE_OS, to: 2012 },
    ],
  },
  {
    manufacturer: 'Realme Chongqing Mobile Telecommunications Corp Ltd', brand: 'realme', weight: 4, popularity: 0.9,
    bodies: { '86': 70, '35': 30 }, from: 2018, to: LAST,
    lines: [{ type: 'Smartphone', weight: 1, model: 'RMX$###', marketing: ['realme $#', 'realme C$#', 'realme $ Pro', 'narzo $#', 'GT $'], os: ['Android'] }],
  },
  {
    manufacturer: 'ZTE Corporation', brand: 'ZTE', weight: 2.5, popularity: 0.7,
    bodies: { '86': 90, '35': 10 }, from: 2007, to: LAST,
    lines: [
      { type: 'WLAN Router', weight: 2, model: 'MF$##', marketing: ['MF$## Mobile WiFi', 'MC$## 5G CPE'], os: ['Not Known'] },
      { type: 'Dongle', weight: 1, model: 'MF$##', marketing: ['MF$## USB Modem'], os: ['Not Known'] },
      { type: 'Smartphone', weight: 2, model: 'Z$###@', marketing: ['Blade A$#', 'Blade V$#', 'Axon $#'], os: ['Android'], from: 2012 },
    ],
  },
  {
    manufacturer: 'Quectel Wireless Solutions Co Ltd', brand: 'Quectel', weight: 3, popularity: 0.5,
    bodies: { '86': 60, '35': 30, '99': 10 }, from: 2010, to: LAST,
    lines: [{ type: 'Module', weight: 1, model: '@@$#-@', marketing: ['EC2$', 'EG9$', 'BG9$', 'BG$#', 'RM5$$Q', 'M$#', 'UC$#', 'Not Known'], os: ['Not Known'] }],
  },
  {
    manufacturer: 'Sierra Wireless Inc', brand: 'Sierra Wireless', weight: 2, popularity: 0.4,
    bodies: { '35': 50, '01': 50 }, from: 2005, to: LAST,
    lines: [
      { type: 'Module', weight: 2, model: '@@$###', marketing: ['AirPrime @@$###', 'Not Known'], os: ['Not Known'] },
      { type: 'Modem', weight: 1, model: 'AC$##@', marketing: ['AirCard $##', 'AirLink @@$#'], os: ['Not Known'] },
    ],
  },
  {
    manufacturer: 'Telit Communications S.p.A.', brand: 'Telit', weight: 2, popularity: 0.4,
    bodies: { '35': 80, '99': 20 }, from: 2006, to: LAST,
    lines: [{ type: 'Module', weight: 1, model: '@@$#0', marketing: ['LE9$0', 'ME9$0', 'GE8$#', 'HE9$0', 'FN9$0', 'Not Known'], os: ['Not Known'] }],
  },
  {
    manufacturer: 'u-blox AG', brand: 'u-blox', weight: 1.5, popularity: 0.4,
    bodies: { '35': 70, '99': 30 }, from: 2008, to: LAST,
    lines: [{ type: 'Module', weight: 1, model: '@@@@-@$##', marketing: ['SARA-R$##', 'LARA-R$', 'TOBY-L$#', 'LISA-U$##'], os: ['Not Known'] }],
  },
  {
    manufacturer: 'Shenzhen Concox Information Technology Co Ltd', brand: 'Concox', weight: 1.5, popularity: 0.5,
    bodies: { '86': 90, '99': 10 }, from: 2010, to: LAST,
    lines: [
      { type: 'IoT Device', weight: 3, model: 'GT$##', marketing: ['GT$## GPS Tracker', 'AT$ Asset Tracker', 'JM-VL$#'], os: ['Not Known'] },
      { type: 'Wearable', weight: 1, model: 'Q$#', marketing: ['Kids Watch Q$#'], os: ['Not Known'], from: 2015 },
    ],
  },
];
