from synth.cli import main

raise SystemExit(main())
