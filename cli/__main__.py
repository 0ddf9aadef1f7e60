from cli.podwh import main

raise SystemExit(main())
