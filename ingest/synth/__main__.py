from ingest.synth.cli import main

raise SystemExit(main())
