import { disabledFeaturesOf, disableFeaturesSwitch, launchOptions, UNNEEDED_FEATURES } from './launch';

describe('launchOptions', () => {
  const plan = { executablePath: '/usr/bin/chromium', sandbox: false };

  it("replaces Playwright's --disable-features with its list plus the unneeded features, when the check read it", () => {
    const opts = launchOptions({ ...plan, disabledFeatures: ['PaintHolding', 'Translate'] });
    expect(opts.ignoreDefaultArgs).toEqual(['--disable-features=PaintHolding,Translate']);
    expect(opts.args?.filter((a) => a.startsWith('--disable-features='))).toEqual([disableFeaturesSwitch(['PaintHolding', 'Translate', ...UNNEEDED_FEATURES])]);
  });

  it('touches no feature when the check could not read them', () => {
    const opts = launchOptions(plan);
    expect(opts.ignoreDefaultArgs).toBeUndefined();
    expect(opts.args?.some((a) => a.startsWith('--disable-features'))).toBe(false);
  });

  it('keeps the egress flags unless told there is no proxy', () => {
    expect(launchOptions(plan).args).toContain('--disable-quic');
    expect(launchOptions(plan, { egress: false }).args).not.toContain('--disable-quic');
  });
});

describe('disabledFeaturesOf', () => {
  it('reads the last --disable-features of a command line, the one Chromium honours', () => {
    expect(disabledFeaturesOf('/usr/lib/chromium/chromium --disable-features=A,B --headless --disable-features=C,D --no-sandbox')).toEqual(['C', 'D']);
  });

  it('is undefined without one, and ignores look-alikes', () => {
    expect(disabledFeaturesOf('chromium --headless --x-disable-features=A')).toBeUndefined();
    expect(disabledFeaturesOf('chromium --disable-features=')).toEqual([]);
  });
});
